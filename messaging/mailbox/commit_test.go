package mailbox

import (
	"testing"

	"github.com/warrennet/warren/store"
)

// TestAcksJumpTheQueue: an owner's ack queued behind a flood of deposits
// is in the next batch, and the batch is bounded.
func TestAcksJumpTheQueue(t *testing.T) {
	c := newCommitter()
	for range 2 * maxBatch {
		c.q = append(c.q, &op{})
	}
	ack := &op{ack: &store.MailboxAcks{}}
	c.q = append(c.q, ack)
	batch := c.take()
	if len(batch) != maxBatch || batch[0] != ack {
		t.Fatalf("first batch: %d ops, ack first %v", len(batch), len(batch) > 0 && batch[0] == ack)
	}
	if len(c.q) != maxBatch+1 {
		t.Fatalf("%d ops left, want %d", len(c.q), maxBatch+1)
	}
	for _, o := range c.q {
		if o == ack {
			t.Fatal("the ack is still queued")
		}
	}
}
