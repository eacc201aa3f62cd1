package ledger_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgertest"
)

// key returns a deterministic ed25519 key for (label, i).
func key(label string, i int) ed25519.PrivateKey {
	h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte(label), uint32(i)))
	return ed25519.NewKeyFromSeed(h[:])
}

func pub(k ed25519.PrivateKey) [ledger.KeySize]byte {
	return [ledger.KeySize]byte(k.Public().(ed25519.PublicKey))
}

var (
	netA = ledger.NetworkID{0xA}
	netB = ledger.NetworkID{0xB}
)

// world is n validators over in-memory stores and a wallet that knows the
// key of every coin it ever made.
type world struct {
	t       testing.TB
	net     ledger.NetworkID
	com     *ledger.Committee
	keys    []ed25519.PrivateKey
	stores  []testStore
	vals    []*ledger.Validator
	genesis []ledger.Coin
	supply  uint64
	params  ledger.Params
	owners  map[ledger.CoinID]ed25519.PrivateKey
	amounts map[ledger.CoinID]uint64
	nextKey int
}

var defaultParams = ledger.Params{MinFee: 1, Dust: 10}

// testStore is a ledger.Storage the tests can read back.
type testStore interface {
	ledger.Storage
	Totals() (unspent, burned uint64, tombstones bool)
	States() map[ledger.CoinID]ledger.CoinState
	AppliedSet() map[ledger.Digest]bool
}

// newStore makes each validator's storage: in memory unless a test runs
// the others over another Storage (sqlite_test.go).
var newStore = func(testing.TB) testStore { return ledgertest.NewMem() }

// mem returns validator i's storage, which must be in memory.
func (w *world) mem(i int) *ledgertest.Mem {
	m, ok := w.stores[i].(*ledgertest.Mem)
	if !ok {
		w.t.Skip("needs the in-memory storage")
	}
	return m
}

func newWorld(t testing.TB, n int, amounts ...uint64) *world {
	t.Helper()
	w := &world{t: t, net: netA, params: defaultParams,
		owners: map[ledger.CoinID]ed25519.PrivateKey{}, amounts: map[ledger.CoinID]uint64{}}
	var vk [][ledger.KeySize]byte
	for i := range n {
		w.keys = append(w.keys, key("validator", i))
		vk = append(vk, pub(w.keys[i]))
	}
	var err error
	if w.com, err = ledger.NewCommittee(vk); err != nil {
		t.Fatal(err)
	}
	outs := make([]ledger.Output, len(amounts))
	for i, a := range amounts {
		outs[i] = ledger.Output{Owner: pub(w.newKey()), Amount: a}
		w.supply += a
	}
	if w.genesis, err = ledger.GenesisCoins(w.net, outs); err != nil {
		t.Fatal(err)
	}
	for i, c := range w.genesis {
		w.owners[c.ID] = key("owner", i)
		w.amounts[c.ID] = c.Amount
	}
	for i := range n {
		w.stores = append(w.stores, newStore(t))
		w.vals = append(w.vals, w.validator(i))
	}
	return w
}

func (w *world) newKey() ed25519.PrivateKey {
	k := key("owner", w.nextKey)
	w.nextKey++
	return k
}

// validator builds (or rebuilds, as after a restart) validator i.
func (w *world) validator(i int) *ledger.Validator {
	w.t.Helper()
	v, err := ledger.NewValidator(ledger.Config{Network: w.net, Committee: w.com, Index: i,
		Key: w.keys[i], Params: w.params, Storage: w.stores[i], Genesis: w.genesis})
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// coin returns the ID of genesis coin i.
func (w *world) coin(i int) ledger.CoinID { return w.genesis[i].ID }

// order builds and signs an order spending ins into fresh keys with the
// given amounts; the wallet remembers the outputs' keys.
func (w *world) order(ins []ledger.CoinID, fee uint64, outs ...uint64) *ledger.SignedOrder {
	w.t.Helper()
	o := &ledger.Order{Inputs: sortedIDs(ins), Fee: fee}
	keys := make([]ed25519.PrivateKey, len(outs))
	for i, a := range outs {
		keys[i] = w.newKey()
		o.Outputs = append(o.Outputs, ledger.Output{Owner: pub(keys[i]), Amount: a, ViewTag: byte(i)})
	}
	so := w.sign(o)
	d := o.Digest(w.net)
	for i := range outs {
		w.owners[ledger.OutputID(d, i)] = keys[i]
		w.amounts[ledger.OutputID(d, i)] = outs[i]
	}
	return so
}

func (w *world) sign(o *ledger.Order) *ledger.SignedOrder {
	w.t.Helper()
	signers := make([]ledger.Signer, len(o.Inputs))
	for i, id := range o.Inputs {
		k, ok := w.owners[id]
		if !ok {
			k = key("stranger", i)
		}
		signers[i] = ledger.Ed25519Signer(k)
	}
	so, err := ledger.SignOrder(w.net, o, signers)
	if err != nil {
		w.t.Fatal(err)
	}
	return so
}

func sortedIDs(ids []ledger.CoinID) []ledger.CoinID {
	out := append([]ledger.CoinID(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if string(out[j][:]) < string(out[i][:]) {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// votes asks validators in idx for votes on so and returns the votes.
func (w *world) votes(so *ledger.SignedOrder, idx ...int) []*ledger.Vote {
	w.t.Helper()
	var vs []*ledger.Vote
	for _, i := range idx {
		v, _, err := w.vals[i].HandleOrder(so)
		if err != nil && !errors.Is(err, ledger.ErrConflict) {
			w.t.Fatalf("validator %d: %v", i, err)
		}
		if v != nil {
			vs = append(vs, v)
		}
	}
	return vs
}

func all(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// pay runs an order through every validator, certifies it and applies
// the certificate everywhere.
func (w *world) pay(so *ledger.SignedOrder) *ledger.Certificate {
	w.t.Helper()
	cert, err := ledger.AssembleCertificate(w.com, w.net, &so.Order, w.votes(so, all(len(w.vals))...))
	if err != nil {
		w.t.Fatal(err)
	}
	w.applyAll(cert)
	return cert
}

func (w *world) applyAll(cert *ledger.Certificate) {
	w.t.Helper()
	for i, v := range w.vals {
		if err := v.HandleCertificate(cert); err != nil {
			w.t.Fatalf("validator %d: apply: %v", i, err)
		}
	}
}

// checkSupply asserts Σ unspent + burned = genesis supply at every
// validator that has no tombstone.
func (w *world) checkSupply() {
	w.t.Helper()
	for i, st := range w.stores {
		unspent, burned, tomb := st.Totals()
		if !tomb && unspent+burned != w.supply {
			w.t.Fatalf("validator %d: unspent %d + burned %d != supply %d", i, unspent, burned, w.supply)
		}
	}
}

func (w *world) state(i int, id ledger.CoinID) ledger.CoinState {
	_, s, _ := w.stores[i].Coin(id)
	return s
}

// byzVote is the vote a Byzantine validator i signs for anything.
func (w *world) byzVote(i int, so *ledger.SignedOrder) *ledger.Vote {
	return ledger.SignVote(w.net, so.Digest(w.net), uint8(i), w.keys[i])
}
