package mailbox

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// Pipelined deposits are all stored, in order; a refusal in the middle
// (the queue filled) is reported with how many went in before it, and the
// client stays usable.
func TestDepositMany(t *testing.T) {
	const capacity = 150
	h := newHarness(t, func(c *Config) { c.QueueMsgs = capacity })
	ctx := context.Background()
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(9)
	var envs [][]byte
	for range 100 {
		envs = append(envs, newEnv(r, 0))
	}
	n, err := sender.DepositMany(ctx, q, envs)
	if err != nil || n != 100 {
		t.Fatalf("DepositMany: %d, %v", n, err)
	}
	if n, err := sender.DepositMany(ctx, q, envs[:10]); err != nil || n != 10 {
		t.Fatalf("repeating 10: %d, %v (duplicates are OK)", n, err)
	}
	var more [][]byte
	for range 100 {
		more = append(more, newEnv(r, 0))
	}
	n, err = sender.DepositMany(ctx, q, more)
	if !errors.Is(err, ErrQueueFull) || n != capacity-100 {
		t.Fatalf("past the quota: %d stored, %v; want %d and ErrQueueFull", n, err, capacity-100)
	}
	if err := sender.Deposit(ctx, q, newEnv(r, 0)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("after the refusal the client should still work (and the queue be full): %v", err)
	}
	all := append(append([][]byte{}, envs...), more[:capacity-100]...)
	for k := 0; k < capacity; {
		got := mustFetch(t, owner, q, sec, 0, 255)
		if len(got) == 0 {
			t.Fatalf("fetched %d messages, want %d", k, capacity)
		}
		for _, m := range got {
			if !bytes.Equal(m.Envelope, all[k]) {
				t.Fatalf("message %d differs or out of order", k)
			}
			k++
		}
		if err := owner.Ack(ctx, q, sec, msgIDs(got)); err != nil {
			t.Fatal(err)
		}
	}
}

// Closing the server under a stream of pipelined deposits ends the run:
// the client gets an answer or a broken stream, no goroutine is left
// waiting for the committer (TestMain checks for leaks), and what was
// answered OK survives a restart.
func TestCloseDuringPipelinedDeposits(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.QueueMsgs = 10_000 })
	ctx := context.Background()
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(10)
	var envs [][]byte
	for range 64 {
		envs = append(envs, newEnv(r, 0))
	}
	done := make(chan int)
	go func() {
		total := 0
		for {
			n, err := sender.DepositMany(ctx, q, envs)
			total += n
			if err != nil {
				done <- total
				return
			}
			for _, e := range envs {
				e[0]++ // new envelopes for the next run
			}
		}
	}()
	eventually(t, "some deposits", func() bool { return h.srv.Stats().Deposits >= 64 })
	h.srv.Close()
	stored := <-done
	h.db.Close()
	h.start()
	owner = h.client()
	got := 0
	for {
		ms := mustFetch(t, owner, q, sec, 0, 255)
		if len(ms) == 0 {
			break
		}
		got += len(ms)
		if err := owner.Ack(ctx, q, sec, msgIDs(ms)); err != nil {
			t.Fatal(err)
		}
	}
	if got < stored {
		t.Fatalf("%d deposits were answered OK, %d survived the restart", stored, got)
	}
}
