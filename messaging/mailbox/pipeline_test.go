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
