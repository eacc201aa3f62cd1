package addrman

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

func TestConfig(t *testing.T) {
	c := newClock()
	b := newBook(t, Config{Key: testKey, Now: c.Now})
	if b.BucketCap() != DefaultBucketCap || DefaultBucketCap != 1024 {
		t.Errorf("BucketCap = %d, want 1024", b.BucketCap())
	}
	if b.MaxEntries() != DefaultMaxEntries || DefaultMaxEntries != 81920 {
		t.Errorf("MaxEntries = %d, want 81920", b.MaxEntries())
	}
	small := newBook(t, Config{Key: testKey, NewBuckets: 8, TriedBuckets: 2, BucketSize: 4, SourceBuckets: 2})
	if small.BucketCap() != 8 || small.MaxEntries() != 40 {
		t.Errorf("small: cap %d max %d", small.BucketCap(), small.MaxEntries())
	}
	for name, cfg := range map[string]Config{
		"zero key":        {},
		"negative":        {Key: testKey, NewBuckets: -1},
		"huge bucket":     {Key: testKey, BucketSize: 2048},
		"source > new":    {Key: testKey, NewBuckets: 4, SourceBuckets: 5},
		"tables too big":  {Key: testKey, NewBuckets: 1 << 16, BucketSize: 1 << 10},
		"tried too large": {Key: testKey, TriedBuckets: 1<<16 + 1},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

func TestAddResults(t *testing.T) {
	c := newClock()
	self := nodeID(0)
	cfg := testConfig(c, 1)
	cfg.Self = self
	b := newBook(t, cfg)
	src := nodeID(100)

	mustAdd(t, b, 0, src, AddSelf)
	mustAdd(t, b, 1, src, AddNew)
	mustAdd(t, b, 1, src, AddStale)         // same record again
	mustAdd(t, b, 1, nodeID(101), AddStale) // same record, other source
	r, raw := rec(t, 1)
	if got := b.Add(nil, raw, src); got != AddInvalid {
		t.Errorf("nil record: %v", got)
	}
	if got := b.Add(r, nil, src); got != AddInvalid {
		t.Errorf("empty raw: %v", got)
	}
	if got := b.Add(r, make([]byte, 1000), src); got != AddInvalid {
		t.Errorf("oversized raw: %v", got)
	}
	_, raw2 := rec(t, 2)
	if got := b.Add(r, raw2, src); got != AddInvalid {
		t.Errorf("raw of another record: %v", got)
	}
	if got := b.Add(r, raw[:len(raw)-1], src); got != AddInvalid {
		t.Errorf("truncated raw: %v", got)
	}
	old, oldRaw := signedAt(t, 2, t0.Add(-time.Hour), 24*time.Hour)
	if got := b.Add(old, oldRaw, src); got != AddNew {
		t.Fatalf("older record of a new node: %v", got)
	}
	short, shortRaw := signedAt(t, 3, t0.Add(-2*time.Hour), time.Hour)
	if got := b.Add(short, shortRaw, src); got != AddStale {
		t.Errorf("expired record: %v, want AddStale", got)
	}
	if _, ok := b.Get(nodeID(3)); ok {
		t.Error("expired record was stored")
	}
	b.Ban(nodeID(4), t0.Add(time.Hour))
	mustAdd(t, b, 4, src, AddBanned)
	if n, tr := b.Len(); n != 2 || tr != 0 {
		t.Errorf("Len = %d, %d; want 2, 0", n, tr)
	}
	checkInvariants(t, b)
}

// TestUpdatedVsStale: a later record replaces the stored one and keeps the
// entry's table, slot, source and stats; an earlier one is stale.
func TestUpdatedVsStale(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 2))
	src := nodeID(100)
	mustAdd(t, b, 1, src, AddNew)
	b.Good(nodeID(1))
	b.Attempt(nodeID(1))
	before := entryOf(b, nodeID(1))
	pos, added := before.pos, before.added

	c.Advance(time.Minute)
	later, laterRaw := signedAt(t, 1, t0.Add(30*time.Second), 24*time.Hour)
	if got := b.Add(later, laterRaw, nodeID(101)); got != AddUpdated {
		t.Fatalf("later record: %v, want AddUpdated", got)
	}
	info, _ := b.Get(nodeID(1))
	if !slices.Equal(info.Raw, laterRaw) || info.Record.IssuedAt != later.IssuedAt {
		t.Error("record not replaced")
	}
	e := entryOf(b, nodeID(1))
	if !info.Tried || e.pos != pos || info.Source != src || info.Attempts != 1 ||
		e.added != added || info.LastSuccess.IsZero() {
		t.Errorf("update lost place or stats: %+v", info)
	}
	earlier, earlierRaw := signedAt(t, 1, t0.Add(10*time.Second), 24*time.Hour)
	if got := b.Add(earlier, earlierRaw, src); got != AddStale {
		t.Errorf("earlier record: %v, want AddStale", got)
	}
	mustAdd(t, b, 1, src, AddStale) // the original, older still
	if info, _ := b.Get(nodeID(1)); !slices.Equal(info.Raw, laterRaw) {
		t.Error("stale record replaced the stored one")
	}
	checkInvariants(t, b)
}

// TestAddCopiesInput: the caller may reuse its buffers after Add.
func TestAddCopiesInput(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 3))
	r, raw := signedAt(t, 1, t0, time.Hour)
	want := slices.Clone(raw)
	b.Add(r, raw, nodeID(9))
	raw[10] ^= 0xff
	r.Roles = 0
	info, _ := b.Get(nodeID(1))
	if !slices.Equal(info.Raw, want) || info.Record.Roles == 0 {
		t.Error("Book aliases the caller's record or bytes")
	}
	info.Raw[0] ^= 0xff
	if again, _ := b.Get(nodeID(1)); !slices.Equal(again.Raw, want) {
		t.Error("Get hands out the Book's own bytes")
	}
}

// collidingNew finds two nodes (indices from start) that src places in the
// same new-table slot.
func collidingNew(t *testing.T, b *Book, src identity.NodeID, start int) (int, int) {
	t.Helper()
	seen := map[int]int{}
	for i := start; i < start+5000; i++ {
		pos := b.newPos(src, nodeID(i))
		if j, ok := seen[pos]; ok {
			return j, i
		}
		seen[pos] = i
	}
	t.Fatal("no collision found")
	return 0, 0
}

// TestNoRoomUnlessTerrible: an occupied new slot is overwritten only if
// its occupant is terrible.
func TestNoRoomUnlessTerrible(t *testing.T) {
	c := newClock()
	cfg := testConfig(c, 4)
	cfg.NewBuckets, cfg.BucketSize, cfg.SourceBuckets = 4, 4, 2
	b := newBook(t, cfg)
	src := nodeID(100)
	x, y := collidingNew(t, b, src, 1)
	mustAdd(t, b, x, src, AddNew)
	mustAdd(t, b, y, src, AddNoRoom)
	for range retries {
		b.Attempt(nodeID(x))
	}
	mustAdd(t, b, y, src, AddNoRoom) // tried within the last minute: not terrible yet
	c.Advance(2 * time.Minute)
	mustAdd(t, b, y, src, AddNew)
	if _, ok := b.Get(nodeID(x)); ok {
		t.Error("terrible occupant still present")
	}
	checkInvariants(t, b)
}

func TestTerribleAndChance(t *testing.T) {
	now := t0.UnixNano()
	exp := uint64(t0.Unix()) + 3600
	mk := func(attempts int32, lastTry, lastSuccess time.Duration) *entry {
		e := &entry{attempts: attempts}
		e.expires = exp
		if lastTry != 0 {
			e.lastTry = now - int64(lastTry)
		}
		if lastSuccess != 0 {
			e.lastSuccess = now - int64(lastSuccess)
		}
		return e
	}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		e        *entry
		terrible bool
		chance   float64
	}{
		{"fresh", mk(0, 0, 0), false, 1},
		{"2 failures", mk(2, time.Hour, 0), false, 0.66 * 0.66},
		{"3 failures never good", mk(3, time.Hour, 0), true, 0.66 * 0.66 * 0.66},
		{"3 failures, tried just now", mk(3, 30*time.Second, 0), false, 0.01 * 0.66 * 0.66 * 0.66},
		{"9 failures, good yesterday", mk(9, time.Hour, day), false, 0.03600},
		{"10 failures, good 8 days ago", mk(10, time.Hour, 8*day), true, 0.03600},
		{"10 failures, good 6 days ago", mk(10, time.Hour, 6*day), false, 0.03600},
	} {
		if got := terrible(tc.e, now); got != tc.terrible {
			t.Errorf("%s: terrible = %v", tc.name, got)
		}
		if got := chance(tc.e, now); got < tc.chance*0.999 || got > tc.chance*1.001 {
			t.Errorf("%s: chance = %.5f, want %.5f", tc.name, got, tc.chance)
		}
	}
	if e := mk(0, 0, 0); !terrible(e, now+int64(2*time.Hour)) {
		t.Error("expired entry not terrible")
	}
	later := now + int64(2*time.Hour)
	e := mk(0, 0, 0)
	e.lastTry = later - int64(10*time.Second)
	if !terrible(e, later) {
		t.Error("expired entry tried recently not terrible")
	}
}
