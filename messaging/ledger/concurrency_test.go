package ledger_test

import (
	"sync"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// TestConcurrentConflictingOrders races many conflicting orders for one
// coin at each validator: each validator votes for exactly one of them
// (the lock in Storage is the point of mutual exclusion) and refuses the
// rest, and the same order racing itself gets identical votes.
func TestConcurrentConflictingOrders(t *testing.T) {
	w := newWorld(t, 4, 1000)
	var orders []*ledger.SignedOrder
	for i := range 8 {
		orders = append(orders, w.order([]ledger.CoinID{w.coin(0)}, 1, uint64(100+i), uint64(899-i)))
	}
	for vi, v := range w.vals {
		votes := make([]*ledger.Vote, 2*len(orders))
		var wg sync.WaitGroup
		for i := range votes {
			wg.Go(func() {
				vote, rf, err := v.HandleOrder(orders[i%len(orders)])
				if (vote == nil) == (rf == nil) || err != nil {
					t.Errorf("validator %d: vote %v refusal %v err %v", vi, vote != nil, rf != nil, err)
				}
				votes[i] = vote
			})
		}
		wg.Wait()
		var voted *ledger.Vote
		for _, vote := range votes {
			switch {
			case vote == nil:
			case voted == nil:
				voted = vote
			case *vote != *voted:
				t.Fatalf("validator %d voted for two orders (or twice differently)", vi)
			}
		}
		if voted == nil {
			t.Fatalf("validator %d voted for none", vi)
		}
	}
}
