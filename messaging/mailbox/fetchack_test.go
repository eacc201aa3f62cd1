package mailbox

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// FetchAck deletes what it names before it fetches: the answer holds the
// messages after them, and the acked ones, deposited again, are
// duplicates (tombstoned), not stored anew.
func TestFetchAck(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(3)
	envs := [][]byte{newEnv(r, 0), newEnv(r, 0), newEnv(r, 1)}
	for _, e := range envs {
		mustDeposit(t, sender, q, e)
	}
	first := mustFetch(t, owner, q, sec, 0, 2)
	got, err := owner.FetchAck(ctx, q, sec, msgIDs(first), 0, 10)
	if err != nil || len(got) != 1 || got[0].ID != MsgIDOf(envs[2]) {
		t.Fatalf("FetchAck: %d messages, %v; want the third alone", len(got), err)
	}
	mustDeposit(t, sender, q, envs[0]) // acked: a duplicate
	got, err = owner.FetchAck(ctx, q, sec, msgIDs(got), 0, 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("after acking all: %d messages, %v", len(got), err)
	}
	if st := h.srv.Stats(); st.Messages != 0 || st.Acks != 2 || st.Fetches != 3 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A FETCHACK with a wrong secret acks nothing and fetches nothing: the
// answer is ERROR(no queue), and the client stays usable.
func TestFetchAckWrongSecret(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	owner := h.client()
	q, sec := h.create(owner)
	env := newEnv(testRand(4), 0)
	mustDeposit(t, owner, q, env)
	bad := sec
	bad[0] ^= 1
	if _, err := owner.FetchAck(ctx, q, bad, []MsgID{MsgIDOf(env)}, 0, 10); !errors.Is(err, ErrNoQueue) {
		t.Fatalf("wrong secret: %v", err)
	}
	if got := mustFetch(t, owner, q, sec, 0, 10); len(got) != 1 {
		t.Fatalf("the message was acked by a wrong secret (%d left)", len(got))
	}
}

// More than 64 IDs: the excess goes in ACKs first; all are deleted.
func TestFetchAckMany(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	owner := h.client()
	q, sec := h.create(owner)
	r := testRand(5)
	var envs [][]byte
	for range 100 {
		envs = append(envs, newEnv(r, 0))
	}
	if n, err := owner.DepositMany(ctx, q, envs); err != nil || n != 100 {
		t.Fatalf("DepositMany: %d, %v", n, err)
	}
	ids := make([]MsgID, 100)
	for i, e := range envs {
		ids[i] = MsgIDOf(e)
	}
	got, err := owner.FetchAck(ctx, q, sec, ids, 0, 255)
	if err != nil || len(got) != 0 || h.srv.Stats().Messages != 0 {
		t.Fatalf("after acking 100: %d fetched, %v, %d stored", len(got), err, h.srv.Stats().Messages)
	}
}

// The ack of a long-polling FETCHACK is applied at once, before the wait;
// a deposit during the wait is answered.
func TestFetchAckLongPoll(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	r := testRand(6)
	old, fresh := newEnv(r, 0), newEnv(r, 0)
	mustDeposit(t, sender, q, old)
	var got []Message
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { got, err = owner.FetchAck(ctx, q, sec, []MsgID{MsgIDOf(old)}, 10*time.Second, 10) })
	eventually(t, "the ack and the wait", func() bool { st := h.srv.Stats(); return st.Acks == 1 && st.Messages == 0 })
	mustDeposit(t, sender, q, fresh)
	wg.Wait()
	if err != nil || len(got) != 1 || got[0].ID != MsgIDOf(fresh) {
		t.Fatalf("long poll: %d messages, %v", len(got), err)
	}
}
