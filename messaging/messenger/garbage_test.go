package messenger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi"
)

func countRows(t *testing.T, u interface {
	Read(context.Context, func(*sql.Tx) error) error
}, table string) int {
	t.Helper()
	var n int
	if err := u.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Garbage that anyone holding a queue ID deposits is dropped, counted,
// never shown, and leaves no row at the recipient: refilling the queue
// as fast as it is emptied does not grow the recipient's disk. (The
// mailbox keeps a 7-day tombstone per acknowledged message, bounded only
// by the deposit rate: a known limit, see docs/messaging.md.)
func TestGarbageLeavesNoSeenRows(t *testing.T) {
	w := newWorld(t, 1)
	a, b := w.user("alice"), w.user("bob")
	connect(t, a, b)
	ctx := context.Background()
	cid, _ := ParseContactID(a.m.Contacts()[0].ID)
	a.m.mu.Lock()
	q := a.m.contacts[cid].Theirs[0] // bob's queue, as alice (or whoever she leaks it to) knows it
	a.m.mu.Unlock()
	s, err := w.net.Dialer(randNode(t)).Open(ctx, circapi.Purpose{Kind: "flood"}, q.Relay, "mailbox")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := mailbox.NewClient(s)
	waitFor(t, 10*time.Second, "the receipt for bob's contact request", func() bool {
		return countRows(t, b.db, "outbox WHERE kind = 3 AND state = 2") == 1
	})
	seen0 := countRows(t, b.db, "seen")
	const rounds, per = 3, 1000 // 3x the queue quota
	for r := range rounds {
		envs := make([][]byte, per)
		for i := range envs {
			envs[i] = make([]byte, envelope.Sizes[0])
			rand.Read(envs[i])
		}
		for i := 0; i < per; i += 64 {
			if n, err := cl.DepositMany(ctx, mailbox.QueueID(q.Queue), envs[i:min(i+64, per)]); err != nil {
				t.Fatalf("round %d: %d stored: %v", r, n, err)
			}
		}
		want := uint64((r + 1) * per)
		waitFor(t, 60*time.Second, "bob to drop the garbage", func() bool { return b.m.Stats().Dropped >= want })
	}
	time.Sleep(time.Second) // acks land
	seen := countRows(t, b.db, "seen") - seen0
	tombs := countRows(t, w.boxes[0].db, "mbox_tomb")
	t.Logf("after %d garbage deposits (queue quota %d): bob's seen rows +%d, mailbox tombstones %d",
		rounds*per, mailbox.DefaultQueueMsgs, seen, tombs)
	if seen != 0 {
		t.Fatalf("garbage left %d seen rows at the recipient", seen)
	}
}
