package mailbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circapi/circapitest"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

var relay = identity.NodeID{0xee}

// clock is an injectable time source, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a mailbox on a circapitest network with a real store.
type harness struct {
	t     testing.TB
	net   *circapitest.Net
	dir   string
	db    *store.DB
	srv   *Server
	clock *clock
	cfg   Config
	logs  *bytes.Buffer
	n     int // streams opened
}

func newHarness(t testing.TB, tweak func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, net: circapitest.New(), dir: t.TempDir() + "/state",
		clock: &clock{t: time.Unix(1_800_000_000, 0)}, logs: &bytes.Buffer{}}
	h.cfg = Config{Now: h.clock.Now, Logger: slog.New(slog.NewTextHandler(lockedWriter{w: h.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tweak != nil {
		tweak(&h.cfg)
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

type lockedWriter struct{ w *bytes.Buffer }

var logMu sync.Mutex

func (l lockedWriter) Write(b []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return l.w.Write(b)
}

func (h *harness) logText() string {
	logMu.Lock()
	defer logMu.Unlock()
	return h.logs.String()
}

func (h *harness) start() {
	h.t.Helper()
	db, err := store.Open(context.Background(), store.Config{Dir: h.dir})
	if err != nil {
		h.t.Fatalf("store.Open: %v", err)
	}
	h.db = db
	cfg := h.cfg
	cfg.DB = db
	if h.srv, err = New(cfg); err != nil {
		h.t.Fatalf("New: %v", err)
	}
	h.net.Host(relay).Handle("mailbox", h.srv.Handle)
}

func (h *harness) stop() {
	h.srv.Close()
	h.db.Close()
	h.net.Wait()
}

// restart closes the server and the database and opens both again.
func (h *harness) restart() {
	h.stop()
	h.start()
}

// stream opens a stream over a circuit of its own purpose.
func (h *harness) stream() circapi.Stream {
	h.t.Helper()
	h.n++
	p := circapi.Purpose{Kind: "mailbox", Key: string(binary.BigEndian.AppendUint32(nil, uint32(h.n)))}
	s, err := h.net.Dialer(identity.NodeID{1}).Open(context.Background(), p, relay, "mailbox")
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	return s
}

func (h *harness) client() *Client {
	c := NewClient(h.stream())
	h.t.Cleanup(func() { c.Close() })
	return c
}

func (h *harness) create(c *Client) (QueueID, Secret) {
	h.t.Helper()
	q, s, err := c.Create(context.Background())
	if err != nil {
		h.t.Fatalf("Create: %v", err)
	}
	return q, s
}

// newEnv returns a random envelope of the i-th size.
func newEnv(r *rand.Rand, i int) []byte {
	b := make([]byte, envelope.Sizes[i])
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func mustDeposit(t testing.TB, c *Client, q QueueID, env []byte) {
	t.Helper()
	if err := c.Deposit(context.Background(), q, env); err != nil {
		t.Fatalf("Deposit: %v", err)
	}
}

func mustFetch(t testing.TB, c *Client, q QueueID, s Secret, wait time.Duration, max int) []Message {
	t.Helper()
	m, err := c.Fetch(context.Background(), q, s, wait, max)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return m
}

func msgIDs(ms []Message) []MsgID {
	out := make([]MsgID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// eventually polls cond for up to 5 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type circapiStream = circapi.Stream

func purpose(key string) circapi.Purpose { return circapi.Purpose{Kind: "test", Key: key} }
