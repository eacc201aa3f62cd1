package service

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/messaging/ledger/wallet"
	"github.com/warrennet/warren/store"
)

func newWallet(t *testing.T, com *ledger.Committee, seed byte) *wallet.Wallet {
	db, err := store.Open(ctx, store.Config{Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InitVault(ctx, []byte("pass"), store.TestKDFParams(), nil); err != nil {
		t.Fatal(err)
	}
	v, err := db.Unlock(ctx, []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := wallet.Create(ctx, wallet.Config{Network: testNet, Committee: com, Params: testParams,
		DB: db, Vault: v, Rand: rand.NewChaCha8([32]byte{seed})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); v.Close(); db.Close() })
	return w
}

// stealthGenesis pays amounts[i] to addr as genesis coin i.
func stealthGenesis(t *testing.T, addr stealth.Address, amounts ...uint64) []ledger.Coin {
	outs := make([]ledger.Output, len(amounts))
	for i, a := range amounts {
		e, err := stealth.NewEphemeral(rand.NewChaCha8([32]byte{byte(50 + i)}))
		if err != nil {
			t.Fatal(err)
		}
		owner, tag, err := e.OneTime(addr, uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = ledger.Output{Owner: owner, Amount: a, ViewTag: tag, R: e.R}
		e.Close()
	}
	g, err := ledger.GenesisCoins(testNet, outs)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestWalletPaysThroughCircuits: wallet A pays B through the service;
// the certificate is applied at every validator and in both wallets.
func TestWalletPaysThroughCircuits(t *testing.T) {
	var pubs [][ledger.KeySize]byte
	for i := range 4 {
		pubs = append(pubs, pub(key("validator", i)))
	}
	com, _ := ledger.NewCommittee(pubs)
	a, b := newWallet(t, com, 1), newWallet(t, com, 2)
	genesis := stealthGenesis(t, a.Address(), 100, 250)
	h := newHarness(t, 4, genesis)
	if _, err := a.AddGenesis(ctx, genesis); err != nil {
		t.Fatal(err)
	}
	p, err := a.Send(ctx, b.Address(), 120, 3)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c := h.client(9)
	votes, refusals, err := c.Submit(ctx, h.dialer(), h.relays, p.Signed)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := a.Settle(ctx, p.Digest, votes, refusals)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Confirm(ctx, h.dialer(), h.relays, cert); err != nil {
		t.Fatal(err)
	}
	t.Logf("final in %v (in-memory circuits)", time.Since(start))
	if err := b.Apply(ctx, cert); err != nil {
		t.Fatal(err)
	}
	h.waitApplied(p.Digest, 0, 1, 2, 3)
	if got := a.Balance(); got != (wallet.Balance{Spendable: 227}) {
		t.Fatalf("a: %+v", got)
	}
	if got := b.Balance(); got != (wallet.Balance{Spendable: 120}) {
		t.Fatalf("b: %+v", got)
	}
	h.checkSupply()
	// Confirming again is harmless (idempotent at every validator).
	if err := c.Confirm(ctx, h.dialer(), h.relays, cert); err != nil {
		t.Fatal(err)
	}
	h.checkSupply()
}
