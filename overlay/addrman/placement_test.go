package addrman

import (
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

// TestKeyedHash pins the hash: any change moves every stored entry.
func TestKeyedHash(t *testing.T) {
	id := nodeID(1)
	a := keyedHash(&testKey, tagNewSlot, &id, 7)
	if a != keyedHash(&testKey, tagNewSlot, &id, 7) {
		t.Fatal("not deterministic")
	}
	other := testKey
	other[31] ^= 1
	id2 := nodeID(2)
	for name, h := range map[string]uint64{
		"key":   keyedHash(&other, tagNewSlot, &id, 7),
		"tag":   keyedHash(&testKey, tagTriedSlot, &id, 7),
		"node":  keyedHash(&testKey, tagNewSlot, &id2, 7),
		"field": keyedHash(&testKey, tagNewSlot, &id, 8),
	} {
		if h == a {
			t.Errorf("changing the %s does not change the hash", name)
		}
	}
}

// TestNewPlacement: an entry sits at H(key, source, H(key, node) mod
// SourceBuckets) mod NewBuckets, slot H(key, bucket, node) mod BucketSize,
// so one source reaches at most SourceBuckets buckets.
func TestNewPlacement(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 1))
	src := nodeID(100)
	reach := map[int]bool{} // every bucket src can reach
	for g := range uint64(DefaultSourceBuckets) {
		reach[int(keyedHash(&testKey, tagNewBucket, &src, g)%DefaultNewBuckets)] = true
	}
	used := map[int]bool{}
	for i := range 300 {
		id := nodeID(i)
		if add(t, b, i, src) != AddNew {
			continue
		}
		g := keyedHash(&testKey, tagGroup, &id, 0) % DefaultSourceBuckets
		bucket := keyedHash(&testKey, tagNewBucket, &src, g) % DefaultNewBuckets
		slot := keyedHash(&testKey, tagNewSlot, &id, bucket) % DefaultBucketSize
		e := entryOf(b, id)
		if int(e.pos) != int(bucket)*DefaultBucketSize+int(slot) || e.tried {
			t.Fatalf("node %d at %d, want bucket %d slot %d", i, e.pos, bucket, slot)
		}
		used[int(bucket)] = true
	}
	if len(used) > DefaultSourceBuckets {
		t.Errorf("one source used %d buckets, cap %d", len(used), DefaultSourceBuckets)
	}
	for bk := range used {
		if !reach[bk] {
			t.Errorf("bucket %d is not one of the source's", bk)
		}
	}
	// Another source puts the same node in another bucket (all 16 groups
	// of two sources colliding would be a hash failure).
	other := nodeID(101)
	if b.newPos(src, nodeID(1))/DefaultBucketSize == b.newPos(other, nodeID(1))/DefaultBucketSize &&
		b.newPos(src, nodeID(2))/DefaultBucketSize == b.newPos(other, nodeID(2))/DefaultBucketSize {
		t.Error("bucket does not depend on the source")
	}
	checkInvariants(t, b)
}

// TestTriedPlacement: a tried entry's place depends only on the node and
// the key, not on who told us about it.
func TestTriedPlacement(t *testing.T) {
	c := newClock()
	b1 := newBook(t, testConfig(c, 1))
	b2 := newBook(t, testConfig(c, 2))
	for i := range 50 {
		id := nodeID(i)
		mustAdd(t, b1, i, nodeID(100), AddNew)
		mustAdd(t, b2, i, id, AddNew) // self-announced in b2
		b1.Good(id)
		b2.Good(id)
		e1, e2 := entryOf(b1, id), entryOf(b2, id)
		if !e1.tried || !e2.tried {
			continue // a collision; covered elsewhere
		}
		bucket := keyedHash(&testKey, tagTriedBucket, &id, 0) % DefaultTriedBuckets
		slot := keyedHash(&testKey, tagTriedSlot, &id, bucket) % DefaultBucketSize
		want := int32(int(bucket)*DefaultBucketSize + int(slot))
		if e1.pos != want || e2.pos != want {
			t.Fatalf("node %d tried at %d and %d, want %d", i, e1.pos, e2.pos, want)
		}
	}
	if _, tr := b1.Len(); tr < 45 {
		t.Errorf("only %d of 50 moved to tried", tr)
	}
	checkInvariants(t, b1)
}

// TestPlacementDependsOnKey: with another key the same additions land
// elsewhere (peers cannot aim at slots without the key).
func TestPlacementDependsOnKey(t *testing.T) {
	c := newClock()
	cfg := testConfig(c, 1)
	cfg.Key[0] ^= 1
	b1, b2 := newBook(t, testConfig(c, 1)), newBook(t, cfg)
	same := 0
	for i := range 100 {
		var src identity.NodeID
		if b1.newPos(src, nodeID(i)) == b2.newPos(src, nodeID(i)) {
			same++
		}
	}
	if same > 5 {
		t.Errorf("%d of 100 nodes at the same place under another key", same)
	}
}
