package mailbox

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	q, sec := h.create(c)
	r := testRand(9)
	old, acked := newEnv(r, 0), newEnv(r, 0)
	mustDeposit(t, c, q, old)
	mustDeposit(t, c, q, acked)
	if err := c.Ack(context.Background(), q, sec, []MsgID{MsgIDOf(acked)}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(DefaultExpiry - time.Hour)
	young := newEnv(r, 1)
	mustDeposit(t, c, q, young)
	mustDeposit(t, c, q, acked) // tombstone still there
	if got := mustFetch(t, c, q, sec, 0, 10); len(got) != 2 {
		t.Fatalf("before expiry: %d messages", len(got))
	}
	h.clock.Advance(time.Hour + expiryGrain*time.Second)
	// Expired messages are hidden at once, and removed by the sweep.
	if got := mustFetch(t, c, q, sec, 0, 10); len(got) != 1 || got[0].ID != MsgIDOf(young) {
		t.Fatalf("after expiry: %d messages", len(got))
	}
	h.srv.sweep()
	st := h.srv.Stats()
	if st.Expired != 1 || st.Messages != 1 || st.Queues != 1 {
		t.Fatalf("after sweep: %+v", st)
	}
	// The tombstone expired with its message: the envelope is new again.
	mustDeposit(t, c, q, acked)
	if got := mustFetch(t, c, q, sec, 0, 10); len(got) != 2 {
		t.Fatalf("re-deposit after tombstone expiry: %d messages", len(got))
	}
}

func TestIdleQueueDeleted(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	idle, idleSec := h.create(c)
	busy, busySec := h.create(c)
	mustDeposit(t, c, idle, newEnv(testRand(10), 0))
	for range 40 { // 40 days; busy is fetched daily, idle never
		h.clock.Advance(24 * time.Hour)
		mustFetch(t, c, busy, busySec, 0, 1)
		mustDeposit(t, c, busy, newEnv(testRand(uint64(h.clock.Now().Unix())), 0)) // deposits do not keep a queue alive
		h.srv.sweep()
	}
	if _, err := c.Fetch(context.Background(), idle, idleSec, 0, 1); !errors.Is(err, ErrNoQueue) {
		t.Fatalf("idle queue: %v", err)
	}
	if got := mustFetch(t, c, busy, busySec, 0, 255); len(got) != 7 {
		t.Fatalf("busy queue holds %d messages, want the last 7 days' 7", len(got))
	}
	if st := h.srv.Stats(); st.IdleQueues != 1 || st.Queues != 1 {
		t.Fatalf("stats %+v", st)
	}
}
