package addrman

import (
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

const fuzzNodes = 48

// FuzzBookOps runs a sequence of operations, two bytes each (operation,
// node), on a small book and checks after each that the tables, index and
// counters agree and that the bounds hold.
func FuzzBookOps(f *testing.F) {
	for i := range fuzzNodes {
		rec(f, i)
	}
	f.Add([]byte{0, 1, 0, 2, 1, 1, 2, 1, 3, 0, 4, 1, 5, 0, 6, 0, 7, 2})
	f.Add([]byte{0, 1, 0, 5, 0, 9, 1, 1, 1, 5, 1, 9, 2, 1, 8, 0, 8, 0, 6, 0, 9, 3, 10, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := newClock()
		b := newBook(t, Config{Key: testKey, Now: c.Now, Rand: seeded(1),
			NewBuckets: 4, TriedBuckets: 2, BucketSize: 4, SourceBuckets: 2})
		for len(ops) >= 2 {
			fuzzOp(t, b, c, ops[0], int(ops[1])%fuzzNodes)
			ops = ops[2:]
			checkInvariants(t, b)
			if nw, tr := b.Len(); nw+tr > b.MaxEntries() || len(b.collisions) > MaxCollisions ||
				len(b.anchors) > MaxAnchors {
				t.Fatalf("bounds broken: %d+%d entries, %d collisions", nw, tr, len(b.collisions))
			}
		}
	})
}

func fuzzOp(t *testing.T, b *Book, c *clock, op byte, i int) {
	id := nodeID(i)
	switch op % 14 {
	case 0:
		add(t, b, i, nodeID(i%3+100))
	case 1:
		b.Good(id)
	case 2:
		b.Attempt(id)
	case 3:
		b.Connected(id)
	case 4:
		if r, ok := b.Select(i%2 == 0, func(x identity.NodeID) bool { return x == id }); ok && r.NodeID == id {
			t.Fatal("Select returned an excluded node")
		}
	case 5:
		b.Collision()
	case 6:
		b.ResolveCollisions()
	case 7:
		c.Advance(time.Duration(i) * time.Minute)
	case 8:
		b.Expire()
	case 9:
		b.Ban(id, c.Now().Add(time.Duration(i)*time.Minute))
	case 10:
		b.Remove(id)
	case 11:
		b.SetAnchors([]identity.NodeID{id, nodeID(i + 1)})
	case 12:
		up, _ := b.TakeChanges()
		b2 := newBook(t, Config{Key: testKey, Now: c.Now, Rand: seeded(1),
			NewBuckets: 4, TriedBuckets: 2, BucketSize: 4, SourceBuckets: 2})
		b2.Restore(up)
		checkInvariants(t, b2)
	case 13:
		b.Sample(i)
	}
}
