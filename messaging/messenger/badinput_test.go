package messenger

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/invite"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi"
)

// Garbage in a user's queue (random envelopes of valid sizes, as anyone
// who learned the queue ID could deposit) is dropped and counted; a flood
// that fills one mailbox's queue does not stop delivery: the sender
// switches to the contact's other mailbox.
func TestGarbageAndFlood(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	cid, _ := ParseContactID(a.m.Contacts()[0].ID)
	a.m.mu.Lock()
	theirs := append([]envelope.QueueAddr(nil), a.m.contacts[cid].Theirs...)
	a.m.mu.Unlock()
	flooder := w.net.Dialer(randNode(t))
	s, err := flooder.Open(ctx, circapi.Purpose{Kind: "flood"}, theirs[0].Relay, "mailbox")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := mailbox.NewClient(s)
	b.stop()
	// Fill bob's queue on the first mailbox to its quota with garbage.
	stored, full, bytes := 0, 0, 0
	for i := range mailbox.DefaultQueueMsgs + 200 {
		env := make([]byte, envelope.Sizes[i%len(envelope.Sizes)])
		rand.Read(env)
		switch err := cl.Deposit(ctx, mailbox.QueueID(theirs[0].Queue), env); {
		case err == nil:
			stored++
			bytes += len(env)
		case errors.Is(err, mailbox.ErrQueueFull):
			full++
		default:
			t.Fatal(err)
		}
	}
	if stored > mailbox.DefaultQueueMsgs || bytes > mailbox.DefaultQueueBytes || full == 0 {
		t.Fatalf("flood: %d stored (%d bytes), %d refused; the quota is %d messages, %d bytes",
			stored, bytes, full, mailbox.DefaultQueueMsgs, mailbox.DefaultQueueBytes)
	}
	for i := range 5 {
		if _, err := a.m.Send(ctx, "bob", fmt.Appendf(nil, "real %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	b.start()
	waitFor(t, 30*time.Second, "the 5 real texts", func() bool { return len(b.inbox(t, "")) == 5 })
	waitFor(t, 30*time.Second, "the garbage dropped", func() bool { return b.m.Stats().Dropped >= uint64(stored) })
	waitFor(t, 10*time.Second, "delivered", func() bool { return a.outboxStates(t)["delivered"] == 5 })
	for i, m := range b.inbox(t, "alice") {
		if m.Body != fmt.Sprintf("real %d", i) {
			t.Fatalf("message %d is %q", i, m.Body)
		}
	}
	t.Logf("flood: %d garbage envelopes stored, %d bytes (quota %d messages, %d bytes), %d refused; bob dropped %d; all 5 real texts delivered",
		stored, bytes, mailbox.DefaultQueueMsgs, mailbox.DefaultQueueBytes, full, b.m.Stats().Dropped)
}

// Bad invitations get a clear error and change nothing.
func TestBadInvitations(t *testing.T) {
	w := newWorld(t, 1)
	a, b := w.user("alice"), w.user("bob")
	ctx := context.Background()
	inv, _, err := a.m.Invite(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	text := inv.String()
	flip := []byte(text)
	flip[30] = map[bool]byte{true: 'B', false: 'A'}[flip[30] == 'A']
	expired := inv
	expired.Expires = time.Now().Add(-time.Minute)
	cases := map[string]struct {
		text string
		want error
	}{
		"empty":     {"", invite.ErrMalformed},
		"truncated": {text[:len(text)-5], invite.ErrMalformed},
		"typo":      {string(flip), invite.ErrChecksum},
		"garbage":   {strings.Repeat("x", 5000), invite.ErrMalformed},
		"expired":   {expired.String(), ErrInviteExpired},
	}
	for name, c := range cases {
		if _, err := b.m.Accept(ctx, c.text, ""); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if n := len(b.m.Contacts()); n != 0 {
		t.Fatalf("bad invitations made %d contacts", n)
	}
	if _, err := b.m.Accept(ctx, text, "alice"); err != nil {
		t.Fatalf("the good invitation after the bad ones: %v", err)
	}
}
