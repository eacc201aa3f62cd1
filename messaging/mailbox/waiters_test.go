package mailbox

import (
	"context"
	"testing"
	"time"
)

// A third long poll on one queue wakes the oldest (which answers empty),
// so whoever holds a queue's secret cannot pile up waiters on it, and an
// owner that reconnects is never locked out by its own stale polls.
func TestWaitersPerQueue(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxWaiters = 3 })
	owner := h.client()
	q, sec := h.create(owner)
	type res struct {
		n   int
		err error
	}
	poll := func() chan res {
		ch := make(chan res, 1)
		c := h.client()
		go func() {
			ms, err := c.Fetch(context.Background(), q, sec, 30*time.Second, 1)
			ch <- res{len(ms), err}
		}()
		return ch
	}
	first := poll()
	eventually(t, "the first poll waiting", func() bool { return h.srv.waiters.count() == 1 })
	second := poll()
	eventually(t, "the second poll waiting", func() bool { return h.srv.waiters.count() == 2 })
	third := poll()
	select {
	case r := <-first:
		if r.err != nil || r.n != 0 {
			t.Fatalf("the oldest poll: %d messages, %v; want an empty answer", r.n, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the oldest poll was not woken by the third")
	}
	eventually(t, "two waiting", func() bool { return h.srv.waiters.count() == 2 })
	// Another queue still gets a slot (global cap 3).
	other := h.client()
	q2, sec2 := h.create(other)
	done := make(chan error, 1)
	go func() { _, err := other.Fetch(context.Background(), q2, sec2, 1*time.Second, 1); done <- err }()
	if err := <-done; err != nil {
		t.Fatalf("a poll on another queue: %v", err)
	}
	mustDeposit(t, h.client(), q, newEnv(testRand(3), 0))
	for _, ch := range []chan res{second, third} {
		if r := <-ch; r.err != nil || r.n != 1 {
			t.Fatalf("a waiting poll after the deposit: %d messages, %v", r.n, r.err)
		}
	}
}
