package ledger_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

func TestHonestTransfer(t *testing.T) {
	for _, n := range []int{1, 4, 7} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			w := newWorld(t, n, 100, 50)
			so := w.order([]ledger.CoinID{w.coin(0)}, 1, 60, 39)
			cert := w.pay(so)
			if err := ledger.VerifyCertificate(w.com, w.net, cert); err != nil {
				t.Fatal(err)
			}
			d := so.Digest(w.net)
			for i := range w.vals {
				if w.state(i, w.coin(0)) != ledger.StateSpent || w.state(i, ledger.OutputID(d, 0)) != ledger.StateUnspent {
					t.Fatalf("validator %d: input not spent or output not created", i)
				}
			}
			// The payee spends what it received, with the change.
			so2 := w.order([]ledger.CoinID{ledger.OutputID(d, 0), ledger.OutputID(d, 1)}, 9, 90)
			w.pay(so2)
			w.checkSupply()
			if _, burned, _ := w.stores[0].Totals(); burned != 10 {
				t.Fatalf("burned %d, want 10", burned)
			}
		})
	}
}

func TestQuorumSizes(t *testing.T) {
	for n, want := range map[int][2]int{1: {0, 1}, 2: {0, 2}, 3: {0, 3}, 4: {1, 3}, 5: {1, 4}, 7: {2, 5}, 10: {3, 7}, 64: {21, 43}} {
		w := newWorld(t, n)
		if w.com.F() != want[0] || w.com.Quorum() != want[1] {
			t.Errorf("n=%d: f=%d q=%d, want %v", n, w.com.F(), w.com.Quorum(), want)
		}
		// Any two quorums share more than f validators.
		if 2*w.com.Quorum()-n <= w.com.F() {
			t.Errorf("n=%d: quorums intersect in too few validators", n)
		}
	}
}

// equivocate returns two orders, each signed by the owner, spending the
// same coin to different outputs.
func equivocate(w *world) (a, b *ledger.SignedOrder) {
	return w.order([]ledger.CoinID{w.coin(0)}, 1, 99), w.order([]ledger.CoinID{w.coin(0)}, 1, 49, 50)
}

// split delivers a then b to the validators whose bit in mask is set, b
// then a to the others, and returns how many certificates can be built.
func split(t *testing.T, w *world, a, b *ledger.SignedOrder, mask int, byz map[int]bool) int {
	t.Helper()
	var va, vb []*ledger.Vote
	for i, v := range w.vals {
		if byz[i] {
			va, vb = append(va, w.byzVote(i, a)), append(vb, w.byzVote(i, b))
			continue
		}
		first, second := a, b
		if mask&(1<<i) == 0 {
			first, second = b, a
		}
		vote, rf, err := v.HandleOrder(first)
		if err != nil || rf != nil {
			t.Fatalf("validator %d refused the first order: %v", i, err)
		}
		vote2, rf2, err := v.HandleOrder(second)
		if err != nil || vote2 != nil || rf2 == nil {
			t.Fatalf("validator %d: second order: vote %v err %v", i, vote2 != nil, err)
		}
		if err := rf2.VerifyEvidence(w.net, w.genesis[0].Owner); err != nil {
			t.Fatalf("validator %d: evidence: %v", i, err)
		}
		if first == a {
			va = append(va, vote)
		} else {
			vb = append(vb, vote)
		}
	}
	certs := 0
	for _, c := range []struct {
		so *ledger.SignedOrder
		vs []*ledger.Vote
	}{{a, va}, {b, vb}} {
		if cert, err := ledger.AssembleCertificate(w.com, w.net, &c.so.Order, c.vs); err == nil {
			certs++
			for i, v := range w.vals {
				if err := v.HandleCertificate(cert); err != nil {
					t.Fatalf("validator %d: apply: %v", i, err)
				}
			}
		}
	}
	return certs
}

func TestEquivocationEverySplit(t *testing.T) {
	for _, n := range []int{4, 7} {
		for mask := range 1 << n {
			w := newWorld(t, n, 100)
			a, b := equivocate(w)
			certs := split(t, w, a, b, mask, nil)
			onA := popcount(mask)
			want := 0
			if onA >= w.com.Quorum() || n-onA >= w.com.Quorum() {
				want = 1
			}
			if certs != want {
				t.Fatalf("n=%d split %b: %d certificates, want %d", n, mask, certs, want)
			}
			w.checkSupply()
		}
	}
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

func TestByzantineUpToFNeverTwoCertificates(t *testing.T) {
	for _, n := range []int{4, 7} {
		f := (n - 1) / 3
		for byzMask := range 1 << n {
			if popcount(byzMask) != f {
				continue
			}
			byz := map[int]bool{}
			for i := range n {
				byz[i] = byzMask&(1<<i) != 0
			}
			for mask := range 1 << n {
				if mask&byzMask != 0 { // Byzantine validators ignore the order of delivery
					continue
				}
				w := newWorld(t, n, 100)
				a, b := equivocate(w)
				if certs := split(t, w, a, b, mask, byz); certs > 1 {
					t.Fatalf("n=%d byzantine %b split %b: two certificates for one coin", n, byzMask, mask)
				}
				w.checkSupply()
			}
		}
	}
}

// TestTwoByzantineBreakSafety documents that the bound is real: with f+1
// = 2 Byzantine validators out of 4, an equivocating wallet gets two
// certificates for one coin, and a validator applying both creates money.
func TestTwoByzantineBreakSafety(t *testing.T) {
	w := newWorld(t, 4, 100)
	a, b := equivocate(w)
	byz := map[int]bool{0: true, 1: true}
	// Honest 2 sees a first, honest 3 sees b first.
	if certs := split(t, w, a, b, 1<<2, byz); certs != 2 {
		t.Fatalf("%d certificates; with f+1 Byzantine validators two were expected", certs)
	}
	unspent, burned, _ := w.stores[2].Totals()
	if unspent+burned <= w.supply {
		t.Fatalf("expected value created: unspent %d + burned %d vs supply %d", unspent, burned, w.supply)
	}
}

func TestOverspendAndUnderspend(t *testing.T) {
	w := newWorld(t, 4, 100)
	for _, outs := range [][]uint64{{100}, {98}, {50, 51}} { // fee 1: 101, 99, 102
		so := w.order([]ledger.CoinID{w.coin(0)}, 1, outs...)
		for i, v := range w.vals {
			if _, _, err := v.HandleOrder(so); !errors.Is(err, ledger.ErrUnbalanced) {
				t.Fatalf("outputs %v validator %d: %v, want ErrUnbalanced", outs, i, err)
			}
		}
	}
	// Nothing was locked: the honest order still goes through.
	w.pay(w.order([]ledger.CoinID{w.coin(0)}, 1, 99))
	w.checkSupply()
}

func TestBadSignatures(t *testing.T) {
	w := newWorld(t, 4, 100, 100)
	good := w.order([]ledger.CoinID{w.coin(0), w.coin(1)}, 1, 199)
	cases := map[string]func(so *ledger.SignedOrder){
		"bit flipped":   func(so *ledger.SignedOrder) { so.Sigs[0][10] ^= 1 },
		"S not reduced": func(so *ledger.SignedOrder) { so.Sigs[1][63] |= 0xF0 },
		"swapped":       func(so *ledger.SignedOrder) { so.Sigs[0], so.Sigs[1] = so.Sigs[1], so.Sigs[0] },
		"foreign key": func(so *ledger.SignedOrder) {
			s := ledger.Ed25519Signer(key("stranger", 1)).Sign(ledger.SpendMessage(w.net, so.Digest(w.net)))
			so.Sigs[1] = s
		},
		"other network": func(so *ledger.SignedOrder) {
			s := ledger.Ed25519Signer(w.owners[so.Inputs[0]]).Sign(ledger.SpendMessage(netB, so.Digest(netB)))
			so.Sigs[0] = s
		},
		"vote domain": func(so *ledger.SignedOrder) {
			s := ledger.Ed25519Signer(w.owners[so.Inputs[0]]).Sign(ledger.VoteMessage(w.net, so.Digest(w.net)))
			so.Sigs[0] = s
		},
		"zero": func(so *ledger.SignedOrder) { so.Sigs[0] = [64]byte{} },
	}
	for name, mutate := range cases {
		so := *good
		so.Sigs = append([][64]byte(nil), good.Sigs...)
		mutate(&so)
		for i, v := range w.vals {
			if vote, rf, err := v.HandleOrder(&so); !errors.Is(err, ledger.ErrBadSignature) || vote != nil || rf != nil {
				t.Fatalf("%s: validator %d: %v", name, i, err)
			}
		}
	}
	// Truncated signatures do not decode; a missing signature is malformed.
	b, _ := good.Marshal()
	if _, err := ledger.UnmarshalSignedOrder(b[:len(b)-1]); !errors.Is(err, ledger.ErrMalformed) {
		t.Fatalf("truncated: %v", err)
	}
	short := *good
	short.Sigs = good.Sigs[:1]
	if _, _, err := w.vals[0].HandleOrder(&short); !errors.Is(err, ledger.ErrInvalidOrder) {
		t.Fatalf("one signature for two inputs: %v", err)
	}
	w.pay(good) // nothing was locked by the bad ones
	w.checkSupply()
}

func TestUnknownAndSpentInputs(t *testing.T) {
	w := newWorld(t, 4, 100)
	so := w.order([]ledger.CoinID{{0x99}}, 1, 99)
	if _, _, err := w.vals[0].HandleOrder(so); !errors.Is(err, ledger.ErrUnknownCoin) {
		t.Fatalf("unknown coin: %v", err)
	}
	first := w.order([]ledger.CoinID{w.coin(0)}, 1, 99)
	w.pay(first)
	// Validator 3 never locked; after applying the certificate the coin is spent.
	w2 := newWorld(t, 4, 100)
	again := w2.order([]ledger.CoinID{w2.coin(0)}, 1, 99)
	cert, err := ledger.AssembleCertificate(w2.com, w2.net, &again.Order, w2.votes(again, 0, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	w2.applyAll(cert)
	other := w2.order([]ledger.CoinID{w2.coin(0)}, 2, 98)
	if _, _, err := w2.vals[3].HandleOrder(other); !errors.Is(err, ledger.ErrSpent) {
		t.Fatalf("spent coin at a validator without a lock: %v", err)
	}
	// The certified order itself, at the validator that never saw it: spent.
	if _, _, err := w2.vals[3].HandleOrder(again); !errors.Is(err, ledger.ErrSpent) {
		t.Fatalf("certified order at a lagging validator: %v", err)
	}
}

func TestReplays(t *testing.T) {
	w := newWorld(t, 4, 100)
	so := w.order([]ledger.CoinID{w.coin(0)}, 1, 99)
	v1, _, err := w.vals[0].HandleOrder(so)
	if err != nil {
		t.Fatal(err)
	}
	v2, _, err := w.vals[0].HandleOrder(so)
	if err != nil || !bytes.Equal(v1.Marshal(), v2.Marshal()) {
		t.Fatalf("same order again: %v, identical %v", err, err == nil && bytes.Equal(v1.Marshal(), v2.Marshal()))
	}
	cert := w.pay(so)
	before := w.stores[1].States()
	w.applyAll(cert)
	w.applyAll(cert)
	if _, burned, _ := w.stores[1].Totals(); burned != 1 {
		t.Fatalf("burned %d after three applications, want 1", burned)
	}
	if fmt.Sprint(before) != fmt.Sprint(w.stores[1].States()) {
		t.Fatal("re-applying changed the state")
	}
	// After the certificate, the same order still gets the identical vote.
	v3, _, err := w.vals[0].HandleOrder(so)
	if err != nil || !bytes.Equal(v1.Marshal(), v3.Marshal()) {
		t.Fatalf("same order after its certificate: %v", err)
	}
	w.checkSupply()
}

// crashStore commits LockAndRecord and then "crashes": the validator gets
// an error and signs nothing.
type crashStore struct{ ledger.Storage }

func (c crashStore) LockAndRecord(d ledger.Digest, so *ledger.SignedOrder) error {
	if err := c.Storage.LockAndRecord(d, so); err != nil {
		return err
	}
	return errors.New("crash after commit")
}

func TestCrashAfterLockBeforeReply(t *testing.T) {
	w := newWorld(t, 4, 100)
	crashed, err := ledger.NewValidator(ledger.Config{Network: w.net, Committee: w.com, Index: 0,
		Key: w.keys[0], Params: w.params, Storage: crashStore{w.stores[0]}, Genesis: w.genesis})
	if err != nil {
		t.Fatal(err)
	}
	a, b := equivocate(w)
	if v, _, err := crashed.HandleOrder(a); err == nil || v != nil {
		t.Fatal("the crashing validator returned a vote")
	}
	w.vals[0] = w.validator(0) // restart over the same storage
	if v, rf, err := w.vals[0].HandleOrder(b); v != nil || rf == nil || err != nil {
		t.Fatalf("after restart the conflicting order was not refused: %v", err)
	}
	v, _, err := w.vals[0].HandleOrder(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := w.byzVote(0, a); !bytes.Equal(v.Marshal(), want.Marshal()) {
		t.Fatal("vote after restart differs from the one the lock promised")
	}
}

func TestStorageFailureSignsNothing(t *testing.T) {
	w := newWorld(t, 4, 100)
	w.mem(0).FailLock = errors.New("disk full")
	a, b := equivocate(w)
	if v, _, err := w.vals[0].HandleOrder(a); err == nil || v != nil {
		t.Fatal("vote without a lock")
	}
	w.mem(0).FailLock = nil
	if v, _, err := w.vals[0].HandleOrder(b); err != nil || v == nil {
		t.Fatalf("nothing was locked, b should get a vote: %v", err)
	}
}

func TestLaggingValidatorCatchesUp(t *testing.T) {
	w := newWorld(t, 4, 100)
	var certs []*ledger.Certificate
	in := w.coin(0)
	amount := uint64(100)
	for range 5 { // a chain: each payment spends the previous output
		so := w.order([]ledger.CoinID{in}, 1, amount-1)
		cert, err := ledger.AssembleCertificate(w.com, w.net, &so.Order, w.votes(so, 0, 1, 2))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := w.vals[i].HandleCertificate(cert); err != nil {
				t.Fatal(err)
			}
		}
		certs = append(certs, cert)
		in, amount = ledger.OutputID(so.Digest(w.net), 0), amount-1
	}
	// Validator 3 gets the certificates newest first: tombstones, then known.
	for i := len(certs) - 1; i >= 0; i-- {
		if err := w.vals[3].HandleCertificate(certs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(w.stores[3].States()) != fmt.Sprint(w.stores[0].States()) {
		t.Fatal("lagging validator did not converge")
	}
	w.checkSupply()
	if _, _, tomb := w.stores[3].Totals(); tomb {
		t.Fatal("tombstones remain after every certificate was applied")
	}
	// And it votes on the next payment.
	if v := w.votes(w.order([]ledger.CoinID{in}, 1, amount-1), 3); len(v) != 1 {
		t.Fatal("caught-up validator did not vote")
	}
}

func TestNewValidatorChecksKey(t *testing.T) {
	w := newWorld(t, 4)
	for name, cfg := range map[string]ledger.Config{
		"wrong key":   {Committee: w.com, Index: 1, Key: w.keys[0], Storage: w.stores[0]},
		"index range": {Committee: w.com, Index: 4, Key: w.keys[0], Storage: w.stores[0]},
		"no storage":  {Committee: w.com, Index: 0, Key: w.keys[0]},
	} {
		if _, err := ledger.NewValidator(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
