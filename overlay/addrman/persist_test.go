package addrman

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// variedBook has new and tried entries with attempts, times and anchors.
func variedBook(t *testing.T, c *clock, seed uint64) *Book {
	t.Helper()
	b := newBook(t, testConfig(c, seed))
	for i := 1; i <= 300; i++ {
		add(t, b, i, nodeID(1000+i%7))
		c.Advance(time.Second)
		switch i % 5 {
		case 0:
			b.Good(nodeID(i))
		case 1:
			b.Attempt(nodeID(i))
		case 2:
			b.Connected(nodeID(i))
		}
	}
	b.SetAnchors([]identity.NodeID{nodeID(10), nodeID(20)})
	return b
}

// TestLoadTakeChangesRoundTrip: a book restored from what TakeChanges
// handed out equals the original, entry by entry and place by place.
func TestLoadTakeChangesRoundTrip(t *testing.T) {
	c := newClock()
	b := variedBook(t, c, 1)
	upserts, removed := b.TakeChanges()
	if len(removed) != 0 || len(upserts) == 0 {
		t.Fatalf("first TakeChanges: %d upserts, %d removed", len(upserts), len(removed))
	}
	if !slices.IsSortedFunc(upserts, func(x, y Info) int { return compareID(x.NodeID, y.NodeID) }) {
		t.Error("upserts not sorted by node ID")
	}
	b2, err := Load(testConfig(c, 2), upserts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.List(), b2.List()) {
		t.Fatal("restored book lists differently")
	}
	for _, in := range b.List() {
		if entryOf(b, in.NodeID).pos != entryOf(b2, in.NodeID).pos {
			t.Fatalf("%s placed elsewhere after Load", in.NodeID.Short())
		}
	}
	n1, t1 := b.Len()
	n2, t2 := b2.Len()
	if n1 != n2 || t1 != t2 || t1 == 0 || !slices.Equal(b.Anchors(), b2.Anchors()) || len(b2.Anchors()) != 2 {
		t.Errorf("Len %d,%d vs %d,%d; anchors %v vs %v", n1, t1, n2, t2, b.Anchors(), b2.Anchors())
	}
	if u, r := b2.TakeChanges(); len(u)+len(r) != 0 {
		t.Errorf("a freshly loaded book has %d changes", len(u)+len(r))
	}
	b3 := newBook(t, testConfig(c, 3)) // Restore reports what it placed
	if n := b3.Restore(b.List()); n != len(upserts) {
		t.Errorf("Restore placed %d of %d", n, len(upserts))
	}
	if _, err := Load(Config{}, upserts); !errors.Is(err, ErrConfig) {
		t.Errorf("Load with a bad config: %v", err)
	}
	if u, r := b.TakeChanges(); len(u)+len(r) != 0 {
		t.Errorf("TakeChanges did not clear: %d left", len(u)+len(r))
	}
	checkInvariants(t, b2)
}

func compareID(x, y identity.NodeID) int { return slices.Compare(x[:], y[:]) }

// TestTakeChangesTracksRows: changes name exactly what the caller's rows
// need: upserts for changed entries, removals only for rows it holds.
func TestTakeChangesTracksRows(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 3))
	for i := 1; i <= 4; i++ {
		mustAdd(t, b, i, nodeID(i), AddNew)
	}
	b.TakeChanges() // the caller now holds rows 1..4
	b.Attempt(nodeID(1))
	b.Remove(nodeID(2))
	mustAdd(t, b, 5, nodeID(5), AddNew)
	b.Remove(nodeID(5)) // never saved: nothing to delete
	b.Remove(nodeID(3))
	mustAdd(t, b, 3, nodeID(3), AddNew) // saved, removed, back: upsert
	b.Remove(nodeID(4))
	mustAdd(t, b, 4, nodeID(4), AddNew)
	b.Remove(nodeID(4)) // saved, back, gone again: delete
	b.Attempt(nodeID(99))
	up, rm := b.TakeChanges()
	var ups []identity.NodeID
	for _, in := range up {
		ups = append(ups, in.NodeID)
	}
	wantUp := sortedIDs(nodeID(1), nodeID(3))
	wantRm := sortedIDs(nodeID(2), nodeID(4))
	if !slices.Equal(ups, wantUp) || !slices.Equal(rm, wantRm) {
		t.Errorf("upserts %d, removed %d; want 2 and 2 (1,3 / 2,4)", len(ups), len(rm))
	}
	if in := up[slices.Index(ups, nodeID(1))]; in.Attempts != 1 || !in.LastTry.Equal(t0) {
		t.Errorf("upsert carries stale stats: %+v", in)
	}
}

func sortedIDs(ids ...identity.NodeID) []identity.NodeID {
	slices.SortFunc(ids, compareID)
	return ids
}

// TestLoadDrops: rows that cannot be placed or are not acceptable are
// dropped and reported as removed.
func TestLoadDrops(t *testing.T) {
	c := newClock()
	src := variedBook(t, c, 4)
	rows, _ := src.TakeChanges()
	self := rows[0].NodeID
	rows[1].Raw = rows[1].Raw[:len(rows[1].Raw)-1]     // does not decode
	rows[2].NodeID = rows[3].NodeID                    // names another node
	rows = append(rows, rows[4])                       // duplicate
	short, shortRaw := signedAt(t, 400, t0, time.Hour) // expired below
	rows = append(rows, Info{NodeID: short.NodeID, Raw: shortRaw})
	banned := rows[5].NodeID
	c.Advance(time.Hour)

	cfg := testConfig(c, 5)
	cfg.Self = self
	b := newBook(t, cfg)
	b.Ban(banned, c.Now().Add(time.Hour))
	n := b.Restore(rows)
	_, rm := b.TakeChanges()
	// Dropped: self, bad raw, wrong ID, duplicate, expired, banned. Only
	// the rows named by a node that ends up absent are reported removed.
	if n != len(rows)-6 || len(rm) != 4 {
		t.Errorf("Load placed %d of %d, reported %d removed; want %d and 4", n, len(rows), len(rm), len(rows)-6)
	}
	for _, id := range []identity.NodeID{self, rows[1].NodeID, short.NodeID, banned} {
		if !slices.Contains(rm, id) {
			t.Errorf("dropped %s not reported removed", id.Short())
		}
		if _, ok := b.Get(id); ok {
			t.Errorf("%s loaded", id.Short())
		}
	}
	checkInvariants(t, b)
}

// TestLoadTriedSlotTaken: a tried entry whose tried slot is held goes to
// the new table instead.
func TestLoadTriedSlotTaken(t *testing.T) {
	b, c, o, x := collisionBook(t)
	rows := b.List()
	for i := range rows {
		rows[i].Tried = true // pretend x was tried too
	}
	b2 := newBook(t, Config{Key: testKey, Now: c.Now, Rand: seeded(1), TriedBuckets: 1, BucketSize: 4})
	if n := b2.Restore(rows); n != 2 {
		t.Fatalf("Load placed %d of 2", n)
	}
	wantTried(t, b2, o, true)
	wantTried(t, b2, x, false)
}

func TestExpire(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 6))
	for i := 1; i <= 20; i++ {
		life := 24 * time.Hour
		if i%2 == 0 {
			life = time.Hour
		}
		r, raw := signedAt(t, i, t0, life)
		b.Add(r, raw, nodeID(i))
		if i%4 == 0 {
			b.Good(nodeID(i))
		}
	}
	b.TakeChanges()
	if n := b.Expire(); n != 0 {
		t.Fatalf("Expire removed %d fresh entries", n)
	}
	c.Advance(time.Hour)
	if n := b.Expire(); n != 10 {
		t.Fatalf("Expire removed %d, want 10", n)
	}
	if nw, tr := b.Len(); nw+tr != 10 || tr != 0 {
		t.Errorf("Len = %d, %d after expiry", nw, tr)
	}
	if _, rm := b.TakeChanges(); len(rm) != 10 {
		t.Errorf("%d removals reported, want 10", len(rm))
	}
	checkInvariants(t, b)
}

func TestBan(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 7))
	mustAdd(t, b, 1, nodeID(9), AddNew)
	b.Ban(nodeID(1), t0.Add(time.Hour))
	if _, ok := b.Get(nodeID(1)); ok || !b.Banned(nodeID(1)) {
		t.Fatal("Ban did not remove and ban")
	}
	mustAdd(t, b, 1, nodeID(9), AddBanned)
	c.Advance(time.Hour)
	mustAdd(t, b, 1, nodeID(9), AddNew)
	b.Ban(nodeID(1), t0) // in the past: removes only
	mustAdd(t, b, 1, nodeID(9), AddNew)
	b.Ban(nodeID(1), c.Now().Add(time.Hour))
	b.Unban(nodeID(1))
	mustAdd(t, b, 1, nodeID(9), AddNew)

	until := c.Now().Add(time.Hour)
	for i := range MaxBans + 10 {
		b.Ban(identity.NodeID{byte(i >> 8), byte(i), 0xbb}, until)
	}
	b.mu.Lock()
	size := len(b.bans.order)
	b.mu.Unlock()
	if size != MaxBans || b.Banned(identity.NodeID{0, 9, 0xbb}) || !b.Banned(identity.NodeID{0, 10, 0xbb}) {
		t.Errorf("ban list size %d; the oldest should have gone", size)
	}
}

func TestAnchors(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 8))
	for i := 1; i <= 5; i++ {
		mustAdd(t, b, i, nodeID(i), AddNew)
		b.Good(nodeID(i))
	}
	b.SetAnchors([]identity.NodeID{nodeID(2), nodeID(77), nodeID(2), nodeID(3), nodeID(4)})
	if got := b.Anchors(); !slices.Equal(got, []identity.NodeID{nodeID(2), nodeID(3)}) {
		t.Fatalf("Anchors = %d ids, want nodes 2 and 3", len(got))
	}
	b.SetAnchors([]identity.NodeID{nodeID(4), nodeID(5)})
	if in, _ := b.Get(nodeID(2)); in.Anchor {
		t.Error("old anchor still flagged")
	}
	b.Remove(nodeID(4))
	if got := b.Anchors(); !slices.Equal(got, []identity.NodeID{nodeID(5)}) {
		t.Errorf("Anchors after removal = %d ids, want node 5", len(got))
	}
	b.SetAnchors(nil)
	if len(b.Anchors()) != 0 {
		t.Error("SetAnchors(nil) kept anchors")
	}
}
