package ledger_test

import (
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// TestRandomSchedules runs thousands of seeded random schedules: random
// orders (some unbalanced, some spending coins not certified yet, some
// equivocating), deliveries dropped, repeated and reordered, up to f
// Byzantine validators that vote for everything. After each: at most one
// certificate spends any coin, every validator has applied every
// certificate, holds Σ unspent + burned = genesis supply and the same
// coin states as every other validator.
func TestRandomSchedules(t *testing.T) {
	n := 2000
	if testing.Short() || raceEnabled {
		n = 300
	}
	stats := map[string]int{}
	for seed := range uint64(n) {
		s := newSchedule(t, seed)
		s.run()
		s.check()
		for k, v := range s.stats {
			stats[k] += v
		}
	}
	t.Logf("%d schedules: %v", n, stats)
	if stats["certificates"] < n || stats["refusals"] == 0 || stats["byzantine"] == 0 {
		t.Fatalf("schedules too tame: %v", stats)
	}
}

type event struct {
	order *ledger.SignedOrder // order delivery, or
	cert  *ledger.Certificate // certificate delivery
	to    int
}

type schedule struct {
	t       *testing.T
	seed    uint64
	r       *mrand.Rand
	w       *world
	byz     map[int]bool
	pool    []ledger.CoinID // every coin ID the wallet knows of
	pending []event
	flight  map[ledger.CoinID]bool // inputs of orders sent
	votes   map[ledger.Digest][]*ledger.Vote
	certs   map[ledger.Digest]*ledger.Certificate
	stats   map[string]int
}

func newSchedule(t *testing.T, seed uint64) *schedule {
	r := mrand.New(mrand.NewPCG(seed, 0x1ed9e5))
	n := 4
	if r.IntN(5) == 0 {
		n = 7
	}
	amounts := make([]uint64, 2+r.IntN(3))
	for i := range amounts {
		amounts[i] = 100 + r.Uint64N(900)
	}
	s := &schedule{t: t, seed: seed, r: r, w: newWorld(t, n, amounts...), byz: map[int]bool{},
		flight: map[ledger.CoinID]bool{}, votes: map[ledger.Digest][]*ledger.Vote{}, certs: map[ledger.Digest]*ledger.Certificate{}, stats: map[string]int{}}
	for range r.IntN(s.w.com.F() + 1) {
		s.byz[r.IntN(n)] = true
	}
	for _, c := range s.w.genesis {
		s.pool = append(s.pool, c.ID)
	}
	return s
}

func (s *schedule) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d: %s", s.seed, fmt.Sprintf(format, args...))
}

func (s *schedule) run() {
	for range 8 + s.r.IntN(10) {
		if s.r.IntN(3) == 0 || len(s.pending) == 0 {
			s.newOrder()
		} else {
			s.step()
		}
	}
	for len(s.pending) > 0 {
		s.step()
	}
}

// newOrder makes an order over 1–2 random known coins and sends it to
// every validator but some dropped ones; sometimes a conflicting twin too.
func (s *schedule) newOrder() {
	ins := map[ledger.CoinID]bool{}
	live := s.live()
	for range 1 + s.r.IntN(2) {
		switch {
		case len(live) > 0 && s.r.IntN(5) != 0:
			ins[live[s.r.IntN(len(live))]] = true
		case s.r.IntN(3) == 0 || len(s.pending) == 0: // a stale or unconfirmed coin
			ins[s.pool[s.r.IntN(len(s.pool))]] = true
		}
	}
	if len(ins) == 0 {
		s.step()
		return
	}
	var total uint64
	for id := range ins {
		total += s.w.amounts[id]
	}
	twins := 1
	if s.r.IntN(3) == 0 {
		twins = 2 // the wallet equivocates
	}
	for range twins {
		fee := 1 + s.r.Uint64N(5)
		if total < fee+2*defaultParams.Dust {
			return
		}
		a := defaultParams.Dust + s.r.Uint64N(total-fee-2*defaultParams.Dust+1)
		outs := []uint64{a, total - fee - a}
		if s.r.IntN(10) == 0 {
			outs[1]++ // unbalanced
		}
		so := s.w.order(slicesOf(ins), fee, outs...)
		d := so.Digest(s.w.net)
		s.pool = append(s.pool, ledger.OutputID(d, 0), ledger.OutputID(d, 1))
		for id := range ins {
			s.flight[id] = true
		}
		s.send(so)
	}
}

// live returns the coins that exist and are unspent in the certified
// history (what an honest wallet would spend), in pool order.
func (s *schedule) live() []ledger.CoinID {
	created, spent := map[ledger.CoinID]bool{}, map[ledger.CoinID]bool{}
	for _, c := range s.w.genesis {
		created[c.ID] = true
	}
	for d, c := range s.certs {
		for i := range c.Order.Outputs {
			created[ledger.OutputID(d, i)] = true
		}
		for _, in := range c.Order.Inputs {
			spent[in] = true
		}
	}
	var out []ledger.CoinID
	for _, id := range s.pool {
		if created[id] && !spent[id] && !s.flight[id] {
			out = append(out, id)
		}
	}
	return out
}

func slicesOf(m map[ledger.CoinID]bool) []ledger.CoinID {
	return sortedIDs(sliceKeys(m))
}

func sliceKeys(m map[ledger.CoinID]bool) []ledger.CoinID {
	var out []ledger.CoinID
	for k := range maps.Keys(m) {
		out = append(out, k)
	}
	return out
}

func (s *schedule) send(so *ledger.SignedOrder) {
	for i := range s.w.vals {
		if s.byz[i] {
			s.stats["byzantine"]++
			s.addVote(&so.Order, s.w.byzVote(i, so))
			continue
		}
		for range s.r.IntN(3) { // 0 (dropped), 1 or 2 (repeated) deliveries
			s.pending = append(s.pending, event{order: so, to: i})
		}
	}
}

// step delivers a random pending event.
func (s *schedule) step() {
	k := s.r.IntN(len(s.pending))
	e := s.pending[k]
	s.pending = append(s.pending[:k], s.pending[k+1:]...)
	if e.cert != nil {
		if err := s.w.vals[e.to].HandleCertificate(e.cert); err != nil {
			s.fatalf("validator %d: valid certificate failed: %v", e.to, err)
		}
		return
	}
	vote, rf, err := s.w.vals[e.to].HandleOrder(e.order)
	switch {
	case vote != nil:
		s.addVote(&e.order.Order, vote)
	case rf != nil:
		s.stats["refusals"]++
		owner := s.w.owners[rf.Input]
		if err := rf.VerifyEvidence(s.w.net, pub(owner)); err != nil {
			s.fatalf("refusal evidence: %v", err)
		}
	case errors.Is(err, ledger.ErrUnknownCoin), errors.Is(err, ledger.ErrSpent), errors.Is(err, ledger.ErrUnbalanced):
		s.stats["rejected"]++
	default:
		s.fatalf("validator %d: unexpected %v", e.to, err)
	}
}

// addVote records a vote; at a quorum the wallet assembles the
// certificate and sends it to every validator.
func (s *schedule) addVote(o *ledger.Order, v *ledger.Vote) {
	d := v.Digest
	s.votes[d] = append(s.votes[d], v)
	if s.certs[d] != nil {
		return
	}
	cert, err := ledger.AssembleCertificate(s.w.com, s.w.net, o, s.votes[d])
	if err != nil {
		return // not yet a quorum
	}
	s.certs[d] = cert
	s.stats["certificates"]++
	for i := range s.w.vals {
		s.pending = append(s.pending, event{cert: cert, to: i})
	}
}

func (s *schedule) check() {
	spentBy := map[ledger.CoinID]ledger.Digest{}
	for d, c := range s.certs {
		for _, in := range c.Order.Inputs {
			if prev, ok := spentBy[in]; ok && prev != d {
				s.fatalf("two certificates spend one coin (%d Byzantine of %d)", len(s.byz), len(s.w.vals))
			}
			spentBy[in] = d
		}
	}
	s.w.checkSupply()
	want := fmt.Sprint(s.w.stores[0].States())
	for i, st := range s.w.stores {
		if _, _, tomb := st.Totals(); tomb {
			s.fatalf("validator %d: tombstones after every certificate", i)
		}
		if got := fmt.Sprint(st.States()); got != want {
			s.fatalf("validator %d diverges from validator 0", i)
		}
		if len(st.AppliedSet()) != len(s.certs) {
			s.fatalf("validator %d applied %d of %d certificates", i, len(st.AppliedSet()), len(s.certs))
		}
	}
}
