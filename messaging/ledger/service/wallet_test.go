package service

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/messaging/ledger/wallet"
	"github.com/warrennet/warren/store"
)

func newWallet(t *testing.T, com *ledger.Committee, seed byte) *wallet.Wallet {
	w, _ := openWallet(t, com, seed, "")
	return w
}

// openWallet creates a wallet (words == "") or restores one from words,
// over a new store; it returns the wallet and its seed words.
func openWallet(t *testing.T, com *ledger.Committee, seed byte, words string) (*wallet.Wallet, string) {
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
	cfg := wallet.Config{Network: testNet, Committee: com, Params: testParams, DB: db, Vault: v, Rand: rand.NewChaCha8([32]byte{seed})}
	var w *wallet.Wallet
	if words == "" {
		var list []string
		w, list, err = wallet.Create(ctx, cfg)
		words = strings.Join(list, " ")
	} else {
		w, err = wallet.Restore(ctx, cfg, words)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); v.Close(); db.Close() })
	return w, words
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

// TestWalletSyncFindsPayments: A pays B twice and tells nobody; B finds
// both payments by scanning one validator's certificate feed with its
// view key; a wallet restored from B's seed words on a new store finds
// them the same way (the recovery path). A's wallet, scanning the same
// feed, finds its change and nothing of B's.
func TestWalletSyncFindsPayments(t *testing.T) {
	var pubs [][ledger.KeySize]byte
	for i := range 4 {
		pubs = append(pubs, pub(key("validator", i)))
	}
	com, _ := ledger.NewCommittee(pubs)
	a := newWallet(t, com, 1)
	b, words := openWallet(t, com, 2, "")
	genesis := stealthGenesis(t, a.Address(), 100, 250)
	h := newHarness(t, 4, genesis)
	if _, err := a.AddGenesis(ctx, genesis); err != nil {
		t.Fatal(err)
	}
	c := h.client(9)
	for _, amount := range []uint64{40, 60} {
		p, err := a.Send(ctx, b.Address(), amount, 1)
		if err != nil {
			t.Fatal(err)
		}
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
		h.waitApplied(p.Digest, 2)
	}
	sync := func(w *wallet.Wallet) int {
		page := func(ctx context.Context, after uint64) (ledgerwire.Certs, error) {
			return c.Feed(ctx, h.dialer(), h.relays[2], after)
		}
		_, n, err := Follow(ctx, page, 0, 16, func(cert *ledger.Certificate) error { return w.Apply(ctx, cert) })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sync(b); n != 2 {
		t.Fatalf("B scanned %d certificates, want 2", n)
	}
	if got := b.Balance(); got != (wallet.Balance{Spendable: 100}) {
		t.Fatalf("B after sync: %+v", got)
	}
	restored, _ := openWallet(t, com, 3, words)
	sync(restored)
	if got := restored.Balance(); got != (wallet.Balance{Spendable: 100}) {
		t.Fatalf("B restored from its words, after sync: %+v", got)
	}
	before := a.Balance()
	sync(a)
	if got := a.Balance(); got != before {
		t.Fatalf("A's balance changed by scanning its own payments: %+v -> %+v", before, got)
	}
}
