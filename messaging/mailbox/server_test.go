package mailbox

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
)

func TestLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(1)
	envs := [][]byte{newEnv(r, 0), newEnv(r, 1), newEnv(r, 2)}
	for _, e := range envs {
		mustDeposit(t, sender, q, e)
	}
	got := mustFetch(t, owner, q, sec, 0, 10)
	if len(got) != 3 {
		t.Fatalf("fetched %d, want 3", len(got))
	}
	for i, m := range got {
		if !bytes.Equal(m.Envelope, envs[i]) || m.ID != MsgIDOf(envs[i]) {
			t.Fatalf("message %d differs or out of order", i)
		}
	}
	if got := mustFetch(t, owner, q, sec, 0, 2); len(got) != 2 || got[1].ID != MsgIDOf(envs[1]) {
		t.Fatalf("max 2: %d messages", len(got))
	}
	if err := owner.Ack(ctx, q, sec, []MsgID{got[0].ID, got[1].ID, {0xde, 0xad}}); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if got := mustFetch(t, owner, q, sec, 0, 10); len(got) != 1 || got[0].ID != MsgIDOf(envs[2]) {
		t.Fatalf("after ack: %d messages", len(got))
	}
	if err := owner.Delete(ctx, q, sec); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := owner.Fetch(ctx, q, sec, 0, 10); !errors.Is(err, ErrNoQueue) {
		t.Fatalf("fetch after delete: %v", err)
	}
	if err := sender.Deposit(ctx, q, envs[0]); !errors.Is(err, ErrNoQueue) {
		t.Fatalf("deposit after delete: %v", err)
	}
	// Protocol answers leave the clients usable.
	q2, sec2 := h.create(owner)
	mustDeposit(t, sender, q2, envs[0])
	if got := mustFetch(t, owner, q2, sec2, 0, 10); len(got) != 1 {
		t.Fatalf("second queue: %d", len(got))
	}
	st := h.srv.Stats()
	if st.Creates != 2 || st.Deposits != 4 || st.Acks != 1 || st.Deletes != 1 || st.Queues != 1 || st.Messages != 1 ||
		st.Bytes != int64(len(envs[0])) || st.Malformed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWrongSecret(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	c := h.client()
	q, sec := h.create(c)
	env := newEnv(testRand(2), 0)
	mustDeposit(t, c, q, env)
	bad := sec
	bad[0] ^= 1
	if _, err := c.Fetch(ctx, q, bad, 0, 1); !errors.Is(err, ErrNoQueue) {
		t.Errorf("fetch: %v", err)
	}
	if err := c.Ack(ctx, q, bad, []MsgID{MsgIDOf(env)}); !errors.Is(err, ErrNoQueue) {
		t.Errorf("ack: %v", err)
	}
	if err := c.Delete(ctx, q, bad); !errors.Is(err, ErrNoQueue) {
		t.Errorf("delete: %v", err)
	}
	// Wrong secret and missing queue are the same answer: no oracle.
	if _, err := c.Fetch(ctx, QueueID{1}, sec, 0, 1); !errors.Is(err, ErrNoQueue) {
		t.Errorf("missing queue: %v", err)
	}
	if got := mustFetch(t, c, q, sec, 0, 5); len(got) != 1 {
		t.Fatalf("message lost to a wrong secret: %d", len(got))
	}
}

// TestExactlyOnceStore: the same envelope deposited 1,000 times over
// different streams and across a restart is stored once; after the ack,
// retries store nothing (the tombstone).
func TestExactlyOnceStore(t *testing.T) {
	h := newHarness(t, nil)
	owner := h.client()
	q, sec := h.create(owner)
	env := newEnv(testRand(3), 1)
	for i := range 1000 {
		if i == 500 {
			h.restart()
			owner = h.client()
		}
		c := NewClient(h.stream())
		mustDeposit(t, c, q, env)
		c.Close()
	}
	got := mustFetch(t, owner, q, sec, 0, 100)
	if len(got) != 1 || !bytes.Equal(got[0].Envelope, env) {
		t.Fatalf("fetched %d copies", len(got))
	}
	if err := owner.Ack(context.Background(), q, sec, []MsgID{got[0].ID}); err != nil {
		t.Fatal(err)
	}
	sender := h.client()
	for range 100 {
		mustDeposit(t, sender, q, env) // OK each time...
	}
	if got := mustFetch(t, owner, q, sec, 0, 100); len(got) != 0 {
		t.Fatalf("acked envelope stored again: %d", len(got))
	}
	if st := h.srv.Stats(); st.Deposits != 0 || st.Duplicates != 600 || st.Messages != 0 {
		t.Fatalf("stats after restart %+v", st) // (counters restart with the server)
	}
}

func TestRestartKeepsAcknowledged(t *testing.T) {
	h := newHarness(t, nil)
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(4)
	want := map[MsgID]bool{}
	for i := range 60 {
		e := newEnv(r, i%3)
		mustDeposit(t, sender, q, e)
		want[MsgIDOf(e)] = true
	}
	h.restart()
	owner = h.client()
	var got []Message
	for len(got) < 60 {
		ms := mustFetch(t, owner, q, sec, 0, 255)
		if len(ms) == 0 {
			break
		}
		got = append(got, ms...)
		if err := owner.Ack(context.Background(), q, sec, msgIDs(ms)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 60 {
		t.Fatalf("after restart: %d of 60", len(got))
	}
	for _, m := range got {
		if !want[m.ID] {
			t.Fatal("unknown message after restart")
		}
		delete(want, m.ID)
	}
}

// A fetch answer holds as many whole messages as fit one frame.
func TestFetchFillsFrame(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	q, sec := h.create(c)
	r := testRand(5)
	for range 6 {
		mustDeposit(t, c, q, newEnv(r, 2)) // 15,520 bytes each: 4 fit
	}
	if got := mustFetch(t, c, q, sec, 0, 255); len(got) != 4 {
		t.Fatalf("big envelopes per fetch: %d, want 4", len(got))
	}
}

func TestDepositRefusesBadSize(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client()
	q, _ := h.create(c)
	if err := c.Deposit(context.Background(), q, make([]byte, envelope.Sizes[0]-1)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad size: %v", err)
	}
	mustDeposit(t, c, q, newEnv(testRand(6), 0)) // refused locally: client still fine
}

func TestMaxWaiters(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxWaiters = 1 })
	a, b := h.client(), h.client()
	q, sec := h.create(a)
	done := make(chan error, 1)
	go func() { _, err := a.Fetch(context.Background(), q, sec, 30*time.Second, 1); done <- err }()
	eventually(t, "the first waiter", func() bool { return h.srv.waiters.count() == 1 })
	if _, err := b.Fetch(context.Background(), q, sec, 5*time.Second, 1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("second waiter: %v", err)
	}
	if got := mustFetch(t, b, q, sec, 0, 1); len(got) != 0 { // b still usable
		t.Fatal("phantom message")
	}
	mustDeposit(t, b, q, newEnv(testRand(7), 0))
	if err := <-done; err != nil {
		t.Fatalf("first waiter: %v", err)
	}
}
