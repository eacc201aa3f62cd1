package addrman

import (
	"slices"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// selectBook holds nodes 1..200 (every fourth tried); 1..20 have records
// that expire after an hour, 21..40 are banned, and the clock is two hours
// on, so 1..20 are expired but still stored.
func selectBook(t *testing.T, seed uint64) (*Book, *clock) {
	t.Helper()
	c := newClock()
	b := newBook(t, testConfig(c, seed))
	for i := 1; i <= 200; i++ {
		if i <= 20 {
			r, raw := signedAt(t, i, t0, time.Hour)
			b.Add(r, raw, nodeID(i))
		} else {
			add(t, b, i, nodeID(i))
		}
		if i%4 == 0 {
			b.Good(nodeID(i))
		}
	}
	for i := 21; i <= 40; i++ {
		b.Ban(nodeID(i), t0.Add(48*time.Hour))
	}
	c.Advance(2 * time.Hour)
	return b, c
}

func TestSelectNeverReturnsExcludedBannedExpired(t *testing.T) {
	b, _ := selectBook(t, 7)
	excluded := map[identity.NodeID]bool{}
	for i := 41; i <= 60; i++ {
		excluded[nodeID(i)] = true
	}
	exclude := func(id identity.NodeID) bool { return excluded[id] }
	index := map[identity.NodeID]int{}
	for i := 1; i <= 200; i++ {
		index[nodeID(i)] = i
	}
	for _, newOnly := range []bool{false, true} {
		tried, fresh := 0, 0
		for range 3000 {
			r, ok := b.Select(newOnly, exclude)
			if !ok {
				t.Fatal("Select found nothing")
			}
			i := index[r.NodeID]
			if i <= 60 {
				t.Fatalf("Select returned node %d (expired, banned or excluded)", i)
			}
			if in, _ := b.Get(r.NodeID); in.Tried {
				tried++
			} else {
				fresh++
			}
		}
		t.Logf("newOnly=%v: %d tried, %d new", newOnly, tried, fresh)
		if newOnly && tried != 0 {
			t.Errorf("newOnly returned %d tried entries", tried)
		}
		if !newOnly && (tried < 1200 || fresh < 1200) {
			t.Errorf("tables not picked about evenly: %d tried, %d new", tried, fresh)
		}
	}
}

// TestSelectTerminates: with everything excluded Select gives up after a
// bounded number of checks; with one node left it finds it.
func TestSelectTerminates(t *testing.T) {
	b, _ := selectBook(t, 8)
	calls := 0
	r, ok := b.Select(false, func(identity.NodeID) bool { calls++; return true })
	if ok || r != nil {
		t.Fatal("Select returned an excluded entry")
	}
	if limit := selectTries*DefaultBucketSize + 200; calls > limit {
		t.Errorf("exclude called %d times, bound %d", calls, limit)
	}
	only := nodeID(199)
	for _, newOnly := range []bool{false, true} {
		r, ok = b.Select(newOnly, func(id identity.NodeID) bool { return id != only })
		if !ok || r.NodeID != only {
			t.Fatalf("newOnly=%v: Select did not find the one allowed node", newOnly)
		}
	}
	if _, ok := b.Select(true, func(id identity.NodeID) bool { return id != nodeID(200) }); ok {
		t.Error("newOnly returned a tried entry (node 200 is tried)")
	}
	empty := newBook(t, testConfig(newClock(), 1))
	if _, ok := empty.Select(false, nil); ok {
		t.Error("empty book selected something")
	}
}

// TestSelectOnlyExpired: expired entries are never returned, even when
// nothing else is left.
func TestSelectOnlyExpired(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 9))
	for i := 1; i <= 10; i++ {
		r, raw := signedAt(t, i, t0, time.Hour)
		b.Add(r, raw, nodeID(i))
	}
	b.Good(nodeID(1))
	if _, ok := b.Select(false, nil); !ok {
		t.Fatal("nothing selected before expiry")
	}
	c.Advance(time.Hour)
	if r, ok := b.Select(false, nil); ok {
		t.Fatalf("selected expired node %s", r.NodeID.Short())
	}
	if got := b.Sample(100); len(got) != 0 {
		t.Errorf("Sample returned %d expired records", len(got))
	}
}

// TestSelectPrefersReliable: a node that failed eight times recently is
// picked far less often than a fresh one (GetChance).
func TestSelectPrefersReliable(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 10))
	mustAdd(t, b, 1, nodeID(1), AddNew)
	mustAdd(t, b, 2, nodeID(2), AddNew)
	for range 8 {
		b.Attempt(nodeID(2))
	}
	c.Advance(5 * time.Minute)
	good := 0
	for range 2000 {
		if r, _ := b.Select(false, nil); r.NodeID == nodeID(1) {
			good++
		}
	}
	t.Logf("fresh node picked %d of 2000 times", good)
	if good < 1900 {
		t.Errorf("fresh node picked only %d of 2000 times", good)
	}
}

// TestDeterministic: the same seed and calls give the same choices.
func TestDeterministic(t *testing.T) {
	run := func() []identity.NodeID {
		b, _ := selectBook(t, 11)
		var out []identity.NodeID
		for range 200 {
			r, _ := b.Select(false, nil)
			out = append(out, r.NodeID)
		}
		for _, raw := range b.Sample(20) {
			out = append(out, identity.NodeID(raw[1:33]))
		}
		return out
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Error("two runs with the same seed differ")
	}
}

func TestSample(t *testing.T) {
	b, _ := selectBook(t, 12) // 160 live: 1..20 expired, 21..40 banned
	if b.Sample(0) != nil {
		t.Error("Sample(0) not nil")
	}
	all := b.Sample(1000)
	if len(all) != 160 {
		t.Fatalf("Sample(1000) gave %d records, want 160", len(all))
	}
	seen := map[identity.NodeID]bool{}
	for _, raw := range all {
		id := identity.NodeID(raw[1:33])
		in, ok := b.Get(id)
		if !ok || !slices.Equal(in.Raw, raw) || seen[id] {
			t.Fatal("Sample returned a wrong or duplicate record")
		}
		seen[id] = true
	}
	hits := map[identity.NodeID]int{}
	for range 400 {
		for _, raw := range b.Sample(10) {
			hits[identity.NodeID(raw[1:33])]++
		}
	}
	// 4,000 draws over 160 records: 25 each on average.
	lo, hi := 4000, 0
	for _, n := range hits {
		lo, hi = min(lo, n), max(hi, n)
	}
	if len(hits) != 160 || lo < 5 || hi > 60 {
		t.Errorf("Sample not uniform: %d distinct, min %d, max %d", len(hits), lo, hi)
	}
}
