package messenger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi/circapitest"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

// world is an in-memory circuit network with mailbox relays backed by
// real SQLite stores, and users with their own stores.
type world struct {
	t     testing.TB
	net   *circapitest.Net
	boxes []*mailboxRelay
}

type mailboxRelay struct {
	id  identity.NodeID
	dir string
	db  *store.DB
	srv *mailbox.Server
}

func newWorld(t testing.TB, mailboxes int) *world {
	w := &world{t: t, net: circapitest.New()}
	for range mailboxes {
		r := &mailboxRelay{id: randNode(t), dir: filepath.Join(t.TempDir(), "mailbox")}
		w.boxes = append(w.boxes, r)
		w.startMailbox(r)
	}
	t.Cleanup(func() {
		for _, r := range w.boxes {
			r.stop()
		}
	})
	return w
}

func randNode(t testing.TB) identity.NodeID {
	var id identity.NodeID
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) startMailbox(r *mailboxRelay) {
	db, err := store.Open(context.Background(), store.Config{Dir: r.dir})
	if err != nil {
		w.t.Fatal(err)
	}
	srv, err := mailbox.New(mailbox.Config{DB: db})
	if err != nil {
		w.t.Fatal(err)
	}
	r.db, r.srv = db, srv
	w.net.Host(r.id).Handle("mailbox", srv.Handle)
}

func (r *mailboxRelay) stop() {
	if r.srv != nil {
		r.srv.Close()
		r.db.Close()
		r.srv, r.db = nil, nil
	}
}

// restartMailbox closes a mailbox relay's server and store and opens them
// again, as a relay restart does.
func (w *world) restartMailbox(i int) {
	r := w.boxes[i]
	r.stop()
	w.startMailbox(r)
}

func (w *world) mailboxIDs() []identity.NodeID {
	var ids []identity.NodeID
	for _, r := range w.boxes {
		ids = append(ids, r.id)
	}
	return ids
}

// user is one person's messenger with its own store.
type user struct {
	w     *world
	name  string
	node  identity.NodeID
	dir   string
	db    *store.DB
	vault *store.Vault
	m     *Messenger

	mu     sync.Mutex
	events []Event
	stopEv func()

	onPayment func(context.Context, []byte) error // set before start
}

func (w *world) user(name string) *user {
	u := &user{w: w, name: name, node: randNode(w.t), dir: filepath.Join(w.t.TempDir(), name)}
	db, err := store.Open(context.Background(), store.Config{Dir: u.dir})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := db.InitVault(context.Background(), []byte("pw"), store.TestKDFParams(), nil); err != nil {
		w.t.Fatal(err)
	}
	db.Close()
	u.start()
	w.t.Cleanup(u.stop)
	return u
}

func (u *user) config() Config {
	return Config{
		DB: u.db, Vault: u.vault, Dialer: u.w.net.Dialer(u.node), Mailboxes: u.w.mailboxIDs,
		FetchWait: 500 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		ResendAfter: 3 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnPayment:   u.onPayment,
	}
}

func (u *user) start() {
	t := u.w.t
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{Dir: u.dir})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Unlock(ctx, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	u.db, u.vault = db, v
	if u.m, err = New(ctx, u.config()); err != nil {
		t.Fatal(err)
	}
	ch, cancel, ok := u.m.Subscribe()
	if !ok {
		t.Fatal("subscribe refused")
	}
	u.stopEv = cancel
	go func() {
		for e := range ch {
			u.mu.Lock()
			u.events = append(u.events, e)
			u.mu.Unlock()
		}
	}()
	u.m.Start()
}

// stop takes the user offline: messenger, vault and store closed.
func (u *user) stop() {
	if u.m == nil {
		return
	}
	u.stopEv()
	u.m.Close()
	u.vault.Close()
	u.db.Close()
	u.m = nil
}

func (u *user) countEvents(kind, state string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, e := range u.events {
		if e.Kind == kind && (state == "" || e.State == state) {
			n++
		}
	}
	return n
}

// connect makes a and b contacts (a invites, b accepts) and waits until
// a has processed the request.
func connect(t testing.TB, a, b *user) {
	t.Helper()
	ctx := context.Background()
	inv, _, err := a.m.Invite(ctx, b.name)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	if _, err := b.m.Accept(ctx, inv.String(), a.name); err != nil {
		t.Fatalf("accept: %v", err)
	}
	waitFor(t, 10*time.Second, "the inviter to accept the request", func() bool {
		cs := a.m.Contacts()
		return len(cs) > 0 && cs[len(cs)-1].State == "active"
	})
}

func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Logf("goroutines:\n%s", buf)
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (u *user) inbox(t *testing.T, from string) []InboxItem {
	t.Helper()
	in, err := u.m.Inbox(context.Background(), from, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (u *user) outboxStates(t *testing.T) map[string]int {
	t.Helper()
	out, err := u.m.Outbox(context.Background(), "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, o := range out {
		states[o.State]++
	}
	return states
}

// rawEnvelopes returns the envelopes of a user's outgoing texts.
func (u *user) rawEnvelopes(t *testing.T) [][]byte {
	t.Helper()
	var envs [][]byte
	err := u.db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := queryOut(context.Background(), tx, `WHERE kind = 1 ORDER BY n`)
		for _, r := range rows {
			envs = append(envs, r.Envelope)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return envs
}
