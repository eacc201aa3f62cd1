package messenger

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi"
)

// R8: the same sealed envelope deposited 1,000 times through different
// circuits, half of them after a restart of the mailbox, reaches the
// recipient's inbox once.
func TestSameEnvelopeThousandTimes(t *testing.T) {
	w := newWorld(t, 1)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	b.stop()
	ctx := context.Background()
	if _, err := a.m.Send(ctx, "bob", []byte("exactly once")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the text stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	env := a.rawEnvelopes(t)[0]
	cid, err := ParseContactID(a.m.Contacts()[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	a.m.mu.Lock()
	bc := a.m.contacts[cid].Theirs[0]
	a.m.mu.Unlock()
	attacker := w.net.Dialer(randNode(t))
	deposit := func(i int) {
		p := circapi.Purpose{Kind: "replay", Key: fmt.Sprint(i)} // a circuit each
		s, err := attacker.Open(ctx, p, bc.Relay, "mailbox")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := mailbox.NewClient(s).Deposit(ctx, mailbox.QueueID(bc.Queue), env); err != nil {
			t.Fatalf("deposit %d: %v", i, err)
		}
	}
	for i := range 500 {
		deposit(i)
	}
	w.restartMailbox(0)
	for i := 500; i < 1000; i++ {
		deposit(i)
	}
	b.start()
	waitFor(t, 10*time.Second, "bob to receive", func() bool { return len(b.inbox(t, "")) >= 1 })
	waitFor(t, 10*time.Second, "alice to see it delivered", func() bool { return a.outboxStates(t)["delivered"] == 1 })
	// Re-deposit after delivery, too: still once.
	for i := 1000; i < 1010; i++ {
		deposit(i)
	}
	time.Sleep(1500 * time.Millisecond) // more than a fetch round
	if in := b.inbox(t, ""); len(in) != 1 || in[0].Body != "exactly once" {
		t.Fatalf("bob's inbox: %+v", in)
	}
	if n := b.countEvents("message", ""); n != 1 {
		t.Fatalf("bob saw %d message events", n)
	}
}

// A sender stopped in the middle of a burst and started again delivers
// every message Send acknowledged, exactly once.
func TestStopMidSend(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	queued := 0
	m, stopped := a.m, make(chan struct{})
	for i := 1; i <= 200; i++ {
		if i == 30 {
			go func() { a.stop(); close(stopped) }() // closes the messenger and the store under Send
		}
		if _, err := m.Send(ctx, "bob", fmt.Appendf(nil, "m%d", i)); err != nil {
			break
		}
		queued++
	}
	<-stopped
	if queued == 200 {
		t.Fatal("every Send succeeded: the stop did not interrupt the burst")
	}
	t.Logf("Send acknowledged %d messages before the stop", queued)
	a.start()
	waitFor(t, 30*time.Second, fmt.Sprintf("bob to receive %d", queued), func() bool { return len(b.inbox(t, "alice")) >= queued })
	in := b.inbox(t, "alice")
	if len(in) != queued {
		t.Fatalf("bob has %d messages, Send acknowledged %d", len(in), queued)
	}
	for i, m := range in {
		if m.Seq != uint64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
}

// Privacy: the mailboxes' files hold neither user's node ID nor any
// plaintext; a user's files do not hold the other user's node ID.
func TestPrivacyAtRest(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	secret := []byte("the meeting is at noon")
	if _, err := a.m.Send(ctx, "bob", secret); err != nil {
		t.Fatal(err)
	}
	b.stop() // leave the text in the mailbox
	waitFor(t, 10*time.Second, "the text stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	a.stop()
	needles := map[string][]byte{
		"alice's node ID": a.node[:], "bob's node ID": b.node[:],
		"alice's node (text)": []byte(a.node.String()), "bob's node (text)": []byte(b.node.String()),
		"the plaintext": secret,
	}
	for i, r := range w.boxes {
		r.stop()
		for what, n := range needles {
			if where := grepDir(t, r.dir, n); where != "" {
				t.Errorf("mailbox %d's %s holds %s", i, where, what)
			}
		}
	}
	for _, u := range []*user{a, b} {
		other := a
		if u == a {
			other = b
		}
		for what, n := range map[string][]byte{"node ID": other.node[:], "node (text)": []byte(other.node.String())} {
			if where := grepDir(t, u.dir, n); where != "" {
				t.Errorf("%s's %s holds the other user's %s", u.name, where, what)
			}
		}
		if where := grepDir(t, u.dir, secret); where != "" {
			t.Errorf("%s's %s holds the plaintext", u.name, where)
		}
	}
}

// grepDir returns the first file in dir containing needle.
func grepDir(t *testing.T, dir string, needle []byte) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if bytes.Contains(b, needle) {
			return e.Name()
		}
	}
	return ""
}

// A receipt lost at the mailbox: the sender re-deposits the text after
// ResendAfter, the recipient drops the copy (already seen) but answers it
// with a receipt again, and the text turns delivered.
func TestLostReceiptResent(t *testing.T) {
	w := newWorld(t, 1)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	b.stop()
	if _, err := a.m.Send(ctx, "bob", []byte("did you get this?")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the text stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	a.stop()
	b.start()
	waitFor(t, 10*time.Second, "bob to receive", func() bool { return len(b.inbox(t, "")) == 1 })
	waitFor(t, 10*time.Second, "bob's receipt deposited", func() bool { return b.m.Stats().Deposits >= 1 })
	b.stop()
	r := w.boxes[0]
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mbox_msg`)
		if n, _ := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("no message to lose")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a.start()
	b.start()
	waitFor(t, 20*time.Second, "the text delivered after the re-send", func() bool { return a.outboxStates(t)["delivered"] == 1 })
	if n := len(b.inbox(t, "")); n != 1 {
		t.Fatalf("bob has %d messages", n)
	}
}

// The same envelope in both of the recipient's mailboxes (a sender that
// died between a deposit and recording it deposits the same bytes again,
// maybe elsewhere): kept once, and the copy, alone in its batch, is
// answered with a receipt again.
func TestSameEnvelopeInBothMailboxes(t *testing.T) {
	w := newWorld(t, 2)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	b.stop()
	if _, err := a.m.Send(ctx, "bob", []byte("twice")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the text stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	env := a.rawEnvelopes(t)[0]
	cid, _ := ParseContactID(a.m.Contacts()[0].ID)
	a.m.mu.Lock()
	theirs := append([]envelope.QueueAddr(nil), a.m.contacts[cid].Theirs...)
	a.m.mu.Unlock()
	dial := w.net.Dialer(randNode(t))
	deposit := func(q envelope.QueueAddr) {
		s, err := dial.Open(ctx, circapi.Purpose{Kind: "x", Key: fmt.Sprint(q.Queue)}, q.Relay, "mailbox")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := mailbox.NewClient(s).Deposit(ctx, mailbox.QueueID(q.Queue), env); err != nil {
			t.Fatal(err)
		}
	}
	b.start()
	waitFor(t, 10*time.Second, "bob to receive", func() bool { return len(b.inbox(t, "")) == 1 })
	time.Sleep(200 * time.Millisecond) // bob acknowledged the first copy
	for _, q := range theirs {
		deposit(q) // stored again where it was acknowledged? no: a tombstone; elsewhere: yes
	}
	waitFor(t, 10*time.Second, "the copy processed", func() bool { return b.m.Stats().Duplicates >= 1 })
	waitFor(t, 10*time.Second, "delivered", func() bool { return a.outboxStates(t)["delivered"] == 1 })
	if n := len(b.inbox(t, "")); n != 1 {
		t.Fatalf("bob has %d messages", n)
	}
}
