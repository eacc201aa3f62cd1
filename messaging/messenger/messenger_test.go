package messenger

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Two users become contacts through a one-time invitation and talk both
// ways; every text turns delivered.
func TestInviteAcceptTalk(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	ctx := context.Background()
	inv, info, err := a.m.Invite(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if info.State != "invited" || info.Mailboxes != 2 {
		t.Fatalf("inviter's contact: %+v", info)
	}
	if _, err := b.m.Accept(ctx, inv.String(), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Send(ctx, "alice", []byte("hello alice")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "alice to receive", func() bool { return len(a.inbox(t, "")) == 1 })
	if got := a.inbox(t, "bob")[0]; got.Body != "hello alice" || got.Seq != 1 || got.Name != "bob" {
		t.Fatalf("alice got %+v", got)
	}
	if _, err := a.m.Send(ctx, "bob", []byte("hi bob")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "bob to receive", func() bool { return len(b.inbox(t, "")) == 1 })
	waitFor(t, 10*time.Second, "both texts delivered", func() bool {
		return a.outboxStates(t)["delivered"] == 1 && b.outboxStates(t)["delivered"] == 1
	})
	waitFor(t, 5*time.Second, "the events", func() bool {
		return a.countEvents("state", "delivered") == 1 && b.countEvents("message", "") == 1
	})
}

// An invitation works once: a second accept finds nothing at the mailbox.
func TestInvitationWorksOnce(t *testing.T) {
	w := newWorld(t, 2)
	a, b, c := w.user("alice"), w.user("bob"), w.user("carol")
	ctx := context.Background()
	inv, _, err := a.m.Invite(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Accept(ctx, inv.String(), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.m.Accept(ctx, inv.String(), "alice"); !errors.Is(err, ErrInviteUsed) {
		t.Fatalf("second accept: %v, want ErrInviteUsed", err)
	}
	if _, err := b.m.Accept(ctx, inv.String(), "alice"); !errors.Is(err, ErrInviteUsed) {
		t.Fatalf("second accept by the same user: %v, want ErrInviteUsed", err)
	}
}

// Offline delivery: B is stopped, A sends 100 texts, B starts and receives
// all 100 exactly once, in order; A sees every one turn delivered.
func TestOfflineDelivery(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	b.stop()
	ctx := context.Background()
	for i := 1; i <= 100; i++ {
		if _, err := a.m.Send(ctx, "bob", fmt.Appendf(nil, "message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, "all 100 stored at a mailbox", func() bool {
		st := a.outboxStates(t)
		if st["sent"] != 100 {
			t.Logf("%v %+v", st, a.m.Stats())
		}
		return st["sent"] == 100
	})
	b.start()
	waitFor(t, 30*time.Second, "bob to receive 100", func() bool { return len(b.inbox(t, "alice")) >= 100 })
	in := b.inbox(t, "alice")
	if len(in) != 100 {
		t.Fatalf("bob has %d messages, want 100", len(in))
	}
	for i, m := range in {
		if m.Seq != uint64(i+1) || m.Body != fmt.Sprintf("message %d", i+1) {
			t.Fatalf("message %d: seq %d body %q", i, m.Seq, m.Body)
		}
	}
	waitFor(t, 30*time.Second, "alice to see 100 delivered", func() bool { return a.outboxStates(t)["delivered"] == 100 })
	if n := b.countEvents("message", ""); n != 100 {
		t.Fatalf("bob saw %d message events, want 100", n)
	}
}
