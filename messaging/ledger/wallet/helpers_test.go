package wallet

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgertest"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/store"
)

var (
	testNet    = ledger.NetworkID(sha256.Sum256([]byte("wallet test network")))
	testParams = ledger.Params{MinFee: 1, Dust: 10}
	ctx        = context.Background()
)

// rng returns a deterministic reader.
func rng(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{seed}) }

// clock is a fake time source advancing one second per reading.
func clock() func() time.Time {
	t := time.Unix(1_700_000_000, 0)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// committee of n validators with their keys.
func committee(t testing.TB, n int) (*ledger.Committee, []ed25519.PrivateKey) {
	t.Helper()
	var keys []ed25519.PrivateKey
	var pubs [][ledger.KeySize]byte
	for i := range n {
		seed := sha256.Sum256([]byte{'v', byte(i)})
		k := ed25519.NewKeyFromSeed(seed[:])
		keys = append(keys, k)
		pubs = append(pubs, [ledger.KeySize]byte(k.Public().(ed25519.PublicKey)))
	}
	com, err := ledger.NewCommittee(pubs)
	if err != nil {
		t.Fatal(err)
	}
	return com, keys
}

// user is a wallet with its database.
type user struct {
	t     testing.TB
	dir   string
	cfg   Config
	db    *store.DB
	vault *store.Vault
	w     *Wallet
}

func openStore(t testing.TB, dir string, init bool) (*store.DB, *store.Vault) {
	t.Helper()
	db, err := store.Open(ctx, store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if init {
		if err := db.InitVault(ctx, []byte("pass"), store.TestKDFParams(), nil); err != nil {
			t.Fatal(err)
		}
	}
	v, err := db.Unlock(ctx, []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close(); db.Close() })
	return db, v
}

// newUser creates a wallet (or restores one from words, if not empty).
func newUser(t testing.TB, com *ledger.Committee, seed byte, words string) *user {
	t.Helper()
	u := &user{t: t, dir: filepath.Join(t.TempDir(), "state")}
	u.db, u.vault = openStore(t, u.dir, true)
	u.cfg = Config{Network: testNet, Committee: com, Params: testParams, DB: u.db, Vault: u.vault,
		Rand: rng(seed), Now: clock()}
	var err error
	if words == "" {
		u.w, _, err = Create(ctx, u.cfg)
	} else {
		u.w, err = Restore(ctx, u.cfg, words)
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// reopen closes wallet, vault and database (a crash: nothing else is
// flushed) and opens them again.
func (u *user) reopen() {
	u.t.Helper()
	u.w.Close()
	u.vault.Close()
	if err := u.db.Close(); err != nil {
		u.t.Fatal(err)
	}
	u.db, u.vault = openStore(u.t, u.dir, false)
	u.cfg.DB, u.cfg.Vault = u.db, u.vault
	var err error
	if u.w, err = Open(ctx, u.cfg); err != nil {
		u.t.Fatal(err)
	}
}

// testnet is n validators in process over in-memory storage.
type testnet struct {
	t       testing.TB
	com     *ledger.Committee
	vals    []*ledger.Validator
	mems    []*ledgertest.Mem
	genesis []ledger.Coin
	supply  uint64
}

// genesisTo makes genesis coin i pay amounts[i] to addrs[i] (stealth
// index i).
func genesisTo(t testing.TB, addrs []stealth.Address, amounts []uint64) []ledger.Coin {
	t.Helper()
	outs := make([]ledger.Output, len(amounts))
	for i, a := range amounts {
		r, err := newScalar(rng(byte(100 + i)))
		if err != nil {
			t.Fatal(err)
		}
		if outs[i], err = output(r, addrs[i], i, a); err != nil {
			t.Fatal(err)
		}
	}
	coins, err := ledger.GenesisCoins(testNet, outs)
	if err != nil {
		t.Fatal(err)
	}
	return coins
}

func newTestnet(t testing.TB, com *ledger.Committee, keys []ed25519.PrivateKey, genesis []ledger.Coin) *testnet {
	t.Helper()
	n := &testnet{t: t, com: com, genesis: genesis}
	for _, c := range genesis {
		n.supply += c.Amount
	}
	for i := range com.N() {
		m := ledgertest.NewMem()
		v, err := ledger.NewValidator(ledger.Config{Network: testNet, Committee: com, Index: i, Key: keys[i],
			Params: testParams, Storage: m, Genesis: genesis})
		if err != nil {
			t.Fatal(err)
		}
		n.vals, n.mems = append(n.vals, v), append(n.mems, m)
	}
	return n
}

// submit sends the encoded order to validators idx (all if none).
func (n *testnet) submit(signed []byte, idx ...int) ([]*ledger.Vote, []*ledger.Refusal) {
	n.t.Helper()
	so, err := ledger.UnmarshalSignedOrder(signed)
	if err != nil {
		n.t.Fatal(err)
	}
	if len(idx) == 0 {
		for i := range n.vals {
			idx = append(idx, i)
		}
	}
	var votes []*ledger.Vote
	var refusals []*ledger.Refusal
	for _, i := range idx {
		v, rf, err := n.vals[i].HandleOrder(so)
		if err != nil {
			n.t.Fatalf("validator %d: %v", i, err)
		}
		if v != nil {
			votes = append(votes, v)
		}
		if rf != nil {
			refusals = append(refusals, rf)
		}
	}
	return votes, refusals
}

// certify applies cert at every validator.
func (n *testnet) certify(cert *ledger.Certificate) {
	n.t.Helper()
	for i, v := range n.vals {
		if err := v.HandleCertificate(cert); err != nil {
			n.t.Fatalf("validator %d: %v", i, err)
		}
	}
}

// checkSupply asserts unspent + burned = genesis supply at every validator.
func (n *testnet) checkSupply() {
	n.t.Helper()
	for i, m := range n.mems {
		unspent, burned, _ := m.Totals()
		if unspent+burned != n.supply {
			n.t.Errorf("validator %d: unspent %d + burned %d != supply %d", i, unspent, burned, n.supply)
		}
	}
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}
