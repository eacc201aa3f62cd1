package mailbox

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// The time-based parts run in a synctest bubble: the server's timers are
// fake, SQLite's I/O is real (a goroutine in cgo just keeps the bubble's
// clock still while it runs).
func TestLongPollTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.client()
		q, sec := h.create(c)
		start := time.Now()
		got := mustFetch(t, c, q, sec, 45*time.Second, 10)
		if len(got) != 0 {
			t.Fatalf("empty queue answered %d", len(got))
		}
		if el := time.Since(start); el != 45*time.Second {
			t.Fatalf("long poll answered after %v, want 45s", el)
		}
		if n := h.srv.waiters.count(); n != 0 {
			t.Fatalf("%d waiters left", n)
		}
	})
}

func TestLongPollWakesOnDeposit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		owner, sender := h.client(), h.client()
		q, sec := h.create(owner)
		env := newEnv(testRand(8), 0)
		type result struct {
			ms  []Message
			err error
			at  time.Duration
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			ms, err := owner.Fetch(context.Background(), q, sec, 60*time.Second, 10)
			done <- result{ms, err, time.Since(start)}
		}()
		time.Sleep(7 * time.Second)
		synctest.Wait()
		if h.srv.waiters.count() != 1 {
			t.Fatal("fetch is not waiting")
		}
		mustDeposit(t, sender, q, env)
		r := <-done
		if r.err != nil || len(r.ms) != 1 || r.ms[0].ID != MsgIDOf(env) {
			t.Fatalf("woken fetch: %d messages, %v", len(r.ms), r.err)
		}
		if r.at != 7*time.Second {
			t.Fatalf("answered after %v, want at the deposit (7s)", r.at)
		}
	})
}

// A client that gives up (ctx) closes its stream; the server drops its
// waiter at once instead of holding it for the whole wait.
func TestLongPollCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.client()
		q, sec := h.create(c)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if _, err := c.Fetch(ctx, q, sec, time.Minute, 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled fetch: %v", err)
		}
		synctest.Wait()
		if n := h.srv.waiters.count(); n != 0 {
			t.Fatalf("%d waiters after the client left", n)
		}
		if _, err := c.Fetch(context.Background(), q, sec, 0, 1); !errors.Is(err, ErrBroken) {
			t.Fatalf("client after cancel: %v", err)
		}
	})
}

// Close wakes a waiting fetch (the client sees its stream end) and later
// streams are refused at once.
func TestCloseWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.client()
		q, sec := h.create(c)
		done := make(chan error, 1)
		go func() { _, err := c.Fetch(context.Background(), q, sec, time.Minute, 1); done <- err }()
		synctest.Wait()
		start := time.Now()
		h.srv.Close()
		if err := <-done; !errors.Is(err, ErrUnavailable) {
			t.Fatalf("waiting fetch at Close: %v", err)
		}
		if time.Since(start) != 0 {
			t.Fatal("Close waited for the long poll")
		}
		if _, _, err := h.client().Create(context.Background()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("stream after Close: %v", err)
		}
	})
}

// A stream that sends nothing is closed after IdleTimeout.
func TestIdleStreamClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		s := h.stream()
		start := time.Now()
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Fatal("read data from an idle stream")
		}
		if el := time.Since(start); el != DefaultIdleTimeout {
			t.Fatalf("idle stream closed after %v", el)
		}
	})
}
