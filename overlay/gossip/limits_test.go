package gossip

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"
)

func TestQueueDropsOldestAndStaysBounded(t *testing.T) {
	q := queue{max: 8}
	rec := func(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }
	dropped := 0
	next := 0 // the oldest record still expected
	for i := range 1000 {
		if q.push(rec(i)) {
			dropped++
		}
		if q.len() > q.max || cap(q.buf) > 2*q.max {
			t.Fatalf("after %d pushes: len %d, capacity %d", i+1, q.len(), cap(q.buf))
		}
		if i%7 == 6 { // take a few now and then, checking the order
			next = max(next, i+1-q.len())
			for _, r := range q.pop(nil, 3) {
				if got := int(binary.BigEndian.Uint32(r)); got != next {
					t.Fatalf("popped %d, want %d", got, next)
				}
				next++
			}
		}
	}
	if dropped == 0 {
		t.Fatal("nothing was dropped")
	}
	q.pop(nil, q.len())
	if q.len() != 0 || q.buf != nil && cap(q.buf) > 64 {
		t.Fatalf("an empty queue keeps %d slots", cap(q.buf))
	}
}

func TestSeenSetBounded(t *testing.T) {
	s := newSeenSet(100)
	h := func(i int) [32]byte { return sha256.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i))) }
	for i := range 10000 {
		if !s.add(h(i)) {
			t.Fatalf("hash %d reported as seen", i)
		}
		if s.len() > 100 {
			t.Fatalf("holds %d hashes, limit 100", s.len())
		}
	}
	if s.add(h(9999)) || s.add(h(9950)) {
		t.Fatal("a recent hash was forgotten")
	}
	if !s.add(h(0)) {
		t.Fatal("an old hash was kept")
	}
	s.remove(h(1))
	if !s.add(h(1)) {
		t.Fatal("a removed hash is still seen")
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBucket(10, 20, t0)
	if got := b.take(t0, 25); got != 20 {
		t.Fatalf("full bucket gave %d, want 20", got)
	}
	if got := b.take(t0.Add(500*time.Millisecond), 25); got != 5 {
		t.Fatalf("after 0.5 s gave %d, want 5", got)
	}
	if got := b.take(t0.Add(time.Hour), 100); got != 20 {
		t.Fatalf("after an hour gave %d, want the burst 20", got)
	}
	if got := b.take(t0, 1); got != 0 { // a clock going back adds nothing
		t.Fatalf("clock went back: gave %d", got)
	}
}
