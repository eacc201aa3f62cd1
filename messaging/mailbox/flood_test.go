package mailbox

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
)

// flood deposits n distinct small envelopes from `senders` concurrent
// streams; queueOf picks each one's queue. It returns how many were
// answered OK, ErrQueueFull and ErrMailboxFull; any other answer fails.
func flood(t *testing.T, h *harness, n, senders int, queueOf func(i int) QueueID) (ok, qfull, mfull int64) {
	var wg sync.WaitGroup
	var next atomic.Int64
	var okN, qN, mN atomic.Int64
	for s := range senders {
		c := h.client()
		wg.Go(func() {
			env := make([]byte, envelope.Sizes[0])
			env[0] = byte(s)
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				env[1], env[2], env[3] = byte(i), byte(i>>8), byte(i>>16)
				switch err := c.Deposit(context.Background(), queueOf(i), env); {
				case err == nil:
					okN.Add(1)
				case errors.Is(err, ErrQueueFull):
					qN.Add(1)
				case errors.Is(err, ErrMailboxFull):
					mN.Add(1)
				default:
					t.Errorf("deposit %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return okN.Load(), qN.Load(), mN.Load()
}

func TestFloodOneQueue(t *testing.T) {
	const cap = 100
	h := newHarness(t, func(c *Config) { c.QueueMsgs = cap })
	owner := h.client()
	q, sec := h.create(owner)
	other, otherSec := h.create(owner)
	ok, qfull, mfull := flood(t, h, 10_000, 16, func(int) QueueID { return q })
	if ok != cap || qfull != 10_000-cap || mfull != 0 {
		t.Fatalf("ok %d, queue full %d, mailbox full %d", ok, qfull, mfull)
	}
	var got []Message
	for {
		ms := mustFetch(t, owner, q, sec, 0, 255)
		if len(ms) == 0 {
			break
		}
		got = append(got, ms...)
		if err := owner.Ack(context.Background(), q, sec, msgIDs(ms)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != cap {
		t.Fatalf("stored %d, want exactly %d", len(got), cap)
	}
	// Other queues are served throughout, and acking made room again.
	mustDeposit(t, owner, other, newEnv(testRand(13), 0))
	if len(mustFetch(t, owner, other, otherSec, 0, 5)) != 1 {
		t.Fatal("other queue not served after the flood")
	}
	mustDeposit(t, owner, q, newEnv(testRand(14), 0))
	if st := h.srv.Stats(); st.QuotaRejects != 10_000-cap {
		t.Fatalf("stats %+v", st)
	}
}

func TestFloodMailbox(t *testing.T) {
	const queues, maxBytes = 50, 300 * 940
	h := newHarness(t, func(c *Config) {
		c.QueueMsgs, c.MailboxBytes, c.MailboxQueues = 10, maxBytes, queues
	})
	owner := h.client()
	qs := make([]QueueID, queues)
	for i := range qs {
		qs[i], _ = h.create(owner)
	}
	if _, _, err := owner.Create(context.Background()); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("queue %d: %v", queues+1, err)
	}
	ok, qfull, mfull := flood(t, h, 10_000, 16, func(i int) QueueID { return qs[i%queues] })
	if ok != 300 || ok+qfull+mfull != 10_000 || mfull == 0 {
		t.Fatalf("ok %d, queue full %d, mailbox full %d", ok, qfull, mfull)
	}
	st := h.srv.Stats()
	if st.Bytes != maxBytes || st.Messages != 300 || st.Queues != queues {
		t.Fatalf("stats %+v", st)
	}
}
