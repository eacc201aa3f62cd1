package addrman

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse runs every kind of call from several goroutines; run
// with -race. The invariants must hold afterwards.
func TestConcurrentUse(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 13))
	for i := range 400 {
		rec(t, i) // sign outside the goroutines
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < 400; i += 4 {
				add(t, b, i, nodeID(i%9))
				b.Attempt(nodeID(i / 2))
				if i%3 == 0 {
					b.Good(nodeID(i))
				}
				b.Select(i%2 == 0, nil)
				b.Sample(5)
				b.Collision()
				b.ResolveCollisions()
				if i%50 == 0 {
					b.TakeChanges()
					b.Expire()
					b.Ban(nodeID(i+1), t0.Add(time.Hour))
					c.Advance(time.Minute)
				}
			}
		})
	}
	wg.Wait()
	checkInvariants(t, b)
}
