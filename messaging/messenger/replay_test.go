package messenger

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi"
)

// A mailbox that ignores ACK (simulated: it drops its tombstone and
// stores the same envelope again) and replays one processed text 100
// times gets at most one receipt per minute for it, and the recipient's
// outbox does not grow (deposited receipts are deleted).
func TestReplayedCopyRateLimitedReceipts(t *testing.T) {
	w := newWorld(t, 1)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	b.stop()
	if _, err := a.m.Send(ctx, "bob", []byte("once")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "stored", func() bool { return a.outboxStates(t)["sent"] == 1 })
	env := a.rawEnvelopes(t)[0] // before delivery empties it
	b.start()
	waitFor(t, 10*time.Second, "delivered", func() bool { return a.outboxStates(t)["delivered"] == 1 })
	deposits := b.m.Stats().Deposits
	cid, _ := ParseContactID(a.m.Contacts()[0].ID)
	a.m.mu.Lock()
	q := a.m.contacts[cid].Theirs[0]
	a.m.mu.Unlock()
	s, err := w.net.Dialer(randNode(t)).Open(ctx, circapi.Purpose{Kind: "replay"}, q.Relay, "mailbox")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := mailbox.NewClient(s)
	before := countRows(t, b.db, "outbox WHERE kind = 2")
	const replays = 100
	for range replays {
		// the mailbox "forgets" the ack
		if err := w.boxes[0].db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`DELETE FROM mbox_tomb`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := cl.Deposit(ctx, mailbox.QueueID(q.Queue), env); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "bob's ack", func() bool { return countRows(t, w.boxes[0].db, "mbox_msg") == 0 })
	}
	time.Sleep(500 * time.Millisecond)
	grown := countRows(t, b.db, "outbox WHERE kind = 2") - before
	sent := b.m.Stats().Deposits - deposits
	t.Logf("%d replays of one processed text by the mailbox: bob's outbox +%d receipt rows, %d receipts deposited", replays, grown, sent)
	if grown > 0 || sent > 1 {
		t.Fatalf("replays by a mailbox cost the recipient: +%d outbox rows, %d receipts for %d replays", grown, sent, replays)
	}
}
