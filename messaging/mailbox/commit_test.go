package mailbox

import (
	"context"
	"testing"
	"time"

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

// TestDepositsWaitForRoom: with maxQueued deposits waiting for the
// committer, the next one waits (its stream stops reading) until one is
// answered; acks never wait.
func TestDepositsWaitForRoom(t *testing.T) {
	s := &Server{cq: newCommitter()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer s.cancel()
	for range maxQueued {
		if _, err := s.submit(&op{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.submit(&op{ack: &store.MailboxAcks{}}); err != nil {
		t.Fatalf("an ack waited for room: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.submit(&op{}); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("deposit %d queued at once (%v)", maxQueued+1, err)
	case <-time.After(50 * time.Millisecond):
	}
	first := s.cq.q[0] // the committer answers one deposit
	s.cq.q = s.cq.q[1:]
	s.cq.release(first)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.cq.shut() // answers the rest: every token is back
	if n := len(s.cq.room); n != 0 {
		t.Fatalf("%d tokens held after shut", n)
	}
}
