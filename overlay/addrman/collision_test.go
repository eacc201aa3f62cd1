package addrman

import (
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// collisionBook returns a book with a 4-slot tried table in which node o
// is tried and node x, which maps to o's tried slot, has just had Good:
// the pair is a pending collision recorded an hour after o's success.
func collisionBook(t *testing.T) (b *Book, c *clock, o, x identity.NodeID) {
	t.Helper()
	c = newClock()
	cfg := testConfig(c, 5)
	cfg.TriedBuckets, cfg.BucketSize = 1, 4
	b = newBook(t, cfg)
	oi, xi := -1, -1
	for i := 1; xi < 0; i++ {
		switch {
		case oi < 0:
			oi = i
		case b.triedPos(nodeID(i)) == b.triedPos(nodeID(oi)):
			xi = i
		}
	}
	o, x = nodeID(oi), nodeID(xi)
	mustAdd(t, b, oi, nodeID(200), AddNew)
	mustAdd(t, b, xi, nodeID(201), AddNew)
	b.Good(o)
	c.Advance(time.Hour)
	b.Good(x)
	if got, ok := b.Collision(); !ok || got != o {
		t.Fatalf("Collision = %v, %v; want the tried occupant", got.Short(), ok)
	}
	return b, c, o, x
}

func wantTried(t *testing.T, b *Book, id identity.NodeID, want bool) {
	t.Helper()
	in, ok := b.Get(id)
	if !ok || in.Tried != want {
		t.Fatalf("%s: present %v tried %v, want present and tried=%v", id.Short(), ok, in.Tried, want)
	}
}

func wantNoCollision(t *testing.T, b *Book) {
	t.Helper()
	if id, ok := b.Collision(); ok {
		t.Fatalf("collision still pending with %s", id.Short())
	}
}

// TestGoodDoesNotEvict: Good on a node whose tried slot is taken leaves
// both where they are.
func TestGoodDoesNotEvict(t *testing.T) {
	b, _, o, x := collisionBook(t)
	wantTried(t, b, o, true)
	wantTried(t, b, x, false)
	if in, _ := b.Get(x); in.LastSuccess.IsZero() || in.Attempts != 0 {
		t.Error("Good did not record the newcomer's success")
	}
	checkInvariants(t, b)
}

// TestCollisionOldSucceeds: the occupant answers the test, so it stays and
// the newcomer stays in new.
func TestCollisionOldSucceeds(t *testing.T) {
	b, c, o, x := collisionBook(t)
	b.Attempt(o)
	c.Advance(30 * time.Second)
	b.Good(o)
	c.Advance(time.Hour) // even past TestWindow
	b.ResolveCollisions()
	wantTried(t, b, o, true)
	wantTried(t, b, x, false)
	wantNoCollision(t, b)
	checkInvariants(t, b)
}

// TestCollisionOldFails: an Attempt after the collision without success
// within DialGrace evicts the occupant to new; the newcomer moves in.
func TestCollisionOldFails(t *testing.T) {
	b, c, o, x := collisionBook(t)
	b.Attempt(o)
	b.ResolveCollisions() // dial in flight: nothing yet
	wantTried(t, b, o, true)
	c.Advance(DialGrace - time.Second)
	b.ResolveCollisions()
	wantTried(t, b, o, true)
	c.Advance(time.Second)
	b.ResolveCollisions()
	wantTried(t, b, x, true)
	wantTried(t, b, o, false) // back in new under its source
	if in, _ := b.Get(o); in.Source != nodeID(200) {
		t.Error("evicted entry lost its source")
	}
	wantNoCollision(t, b)
	checkInvariants(t, b)
}

// TestCollisionRetryDoesNotPostpone: dialling the occupant again does not
// restart DialGrace.
func TestCollisionRetryDoesNotPostpone(t *testing.T) {
	b, c, o, x := collisionBook(t)
	b.Attempt(o)
	b.ResolveCollisions()
	c.Advance(DialGrace / 2)
	b.Attempt(o)
	b.ResolveCollisions()
	wantTried(t, b, o, true)
	c.Advance(DialGrace / 2)
	b.ResolveCollisions()
	wantTried(t, b, x, true)
	wantTried(t, b, o, false)
}

// TestCollisionTimeout: nobody tested the occupant within TestWindow.
func TestCollisionTimeout(t *testing.T) {
	b, c, o, x := collisionBook(t)
	c.Advance(TestWindow - time.Second)
	b.ResolveCollisions()
	wantTried(t, b, o, true)
	wantTried(t, b, x, false)
	c.Advance(time.Second)
	b.ResolveCollisions()
	wantTried(t, b, x, true)
	wantTried(t, b, o, false)
	checkInvariants(t, b)
}

// TestCollisionOccupantChanges: when one newcomer wins the slot, another
// newcomer's collision starts over against the new occupant.
func TestCollisionOccupantChanges(t *testing.T) {
	b, c, o, x := collisionBook(t)
	var y identity.NodeID
	for i := 1; ; i++ {
		if id := nodeID(i); id != o && id != x && b.triedPos(id) == b.triedPos(o) {
			mustAdd(t, b, i, nodeID(202), AddNew)
			y = id
			break
		}
	}
	b.Good(y)
	b.Attempt(o)
	c.Advance(DialGrace)
	b.ResolveCollisions()
	wantTried(t, b, x, true) // x's collision came first
	wantTried(t, b, y, false)
	if got, ok := b.Collision(); !ok || got != x {
		t.Fatalf("pending collision tests %v, want the new occupant", got.Short())
	}
	c.Advance(TestWindow - time.Second)
	b.ResolveCollisions()
	wantTried(t, b, x, true)
	c.Advance(time.Second)
	b.ResolveCollisions()
	wantTried(t, b, y, true)
	checkInvariants(t, b)
}

// TestCollisionStale: a collision whose newcomer vanished is dropped; one
// whose slot emptied resolves by moving the newcomer in.
func TestCollisionStale(t *testing.T) {
	b, _, _, x := collisionBook(t)
	b.Remove(x)
	wantNoCollision(t, b)

	b, _, o, x := collisionBook(t)
	b.Remove(o)
	b.ResolveCollisions()
	wantTried(t, b, x, true)
	wantNoCollision(t, b)
	checkInvariants(t, b)
}

// TestCollisionsBounded: however many newcomers collide, at most
// MaxCollisions are pending.
func TestCollisionsBounded(t *testing.T) {
	c := newClock()
	cfg := testConfig(c, 6)
	cfg.TriedBuckets, cfg.BucketSize = 1, 2
	b := newBook(t, cfg)
	for i := 1; i <= 60; i++ {
		if add(t, b, i, nodeID(i)) == AddNew {
			b.Good(nodeID(i))
		}
	}
	b.mu.Lock()
	pending := len(b.collisions)
	b.mu.Unlock()
	if _, tr := b.Len(); tr != 2 || pending != MaxCollisions {
		t.Errorf("tried %d, pending %d; want 2, %d", tr, pending, MaxCollisions)
	}
	checkInvariants(t, b)
}
