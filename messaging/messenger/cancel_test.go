package messenger

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/mailbox/wire"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

// cancelDialer wraps a dialer: on "send" streams, once armed, it calls
// cancel() right after the client has read the answer to the last deposit
// it wrote, i.e. Messenger.Close (or the 1-minute deposit deadline) lands
// between readAnswers returning and context.AfterFunc's stop().
type cancelDialer struct {
	d      circapi.Dialer
	armed  *atomic.Bool
	cancel *atomic.Pointer[func()]
}

func (d cancelDialer) Open(ctx context.Context, p circapi.Purpose, dest identity.NodeID, svc string) (circapi.Stream, error) {
	s, err := d.d.Open(ctx, p, dest, svc)
	if err != nil || p.Kind != "send" {
		return s, err
	}
	return &cancelStream{Stream: s, d: d}, nil
}

type cancelStream struct {
	circapi.Stream
	d                 cancelDialer
	mu                sync.Mutex
	wbuf, rbuf        []byte
	deposits, answers int
}

// frames pops complete frames off *buf and returns their type bytes.
func frames(buf *[]byte) []byte {
	var types []byte
	for len(*buf) >= wire.HeaderLen {
		n, err := wire.FrameLen(*buf, wire.MaxResponseFrame)
		if err != nil || len(*buf) < n {
			break
		}
		types = append(types, (*buf)[wire.HeaderLen])
		*buf = (*buf)[n:]
	}
	return types
}

func (s *cancelStream) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.wbuf = append(s.wbuf, b...)
	for _, t := range frames(&s.wbuf) {
		if t == wire.TypeDeposit {
			s.deposits++
		}
	}
	s.mu.Unlock()
	return s.Stream.Write(b)
}

func (s *cancelStream) Read(b []byte) (int, error) {
	n, err := s.Stream.Read(b)
	s.mu.Lock()
	s.rbuf = append(s.rbuf, b[:n]...)
	s.answers += len(frames(&s.rbuf))
	fire := s.d.armed.Load() && s.deposits > 0 && s.answers == s.deposits
	s.mu.Unlock()
	if fire {
		(*s.d.cancel.Load())()
	}
	return n, err
}

// A Close (or the deposit deadline) that lands just after the mailbox
// answered every pipelined deposit makes DepositMany return
// (len(envs), ctx.Err()); depositBatch then indexes rows[n] out of range
// in the sender goroutine, which has no recover: the daemon crashes.
func TestCloseAfterLastDepositAnswer(t *testing.T) {
	w := newWorld(t, 1)
	b := w.user("bob")
	a := &user{w: w, name: "alice", node: randNode(t), dir: filepath.Join(t.TempDir(), "alice")}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{Dir: a.dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InitVault(ctx, []byte("pw"), store.TestKDFParams(), nil); err != nil {
		t.Fatal(err)
	}
	v, err := db.Unlock(ctx, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	a.db, a.vault = db, v
	var armed atomic.Bool
	var cancel atomic.Pointer[func()]
	cfg := a.config()
	cfg.Dialer = cancelDialer{d: w.net.Dialer(a.node), armed: &armed, cancel: &cancel}
	if a.m, err = New(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	c := func() { a.m.cancel() }
	cancel.Store(&c)
	a.stopEv = func() {}
	a.m.Start()
	t.Cleanup(a.stop)
	connect(t, a, b)
	time.Sleep(500 * time.Millisecond) // let the request's receipt go out
	armed.Store(true)
	if _, err := a.m.Send(ctx, "bob", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a panic in the sender goroutine kills the test binary here
}
