package gossip

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

var (
	testNet  = sha256.Sum256([]byte("warren gossip test network"))
	otherNet = sha256.Sum256([]byte("warren gossip other network"))
)

// keyring returns a deterministic keyring for index i whose onion key is of
// the epoch of now.
func keyring(t testing.TB, i int, now time.Time) *identity.Keyring {
	t.Helper()
	kr, err := identity.Generate(rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), 0x5e}), now)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// recordFor returns kr's record for network, issued at now, as bytes.
func recordFor(t testing.TB, kr *identity.Keyring, network [32]byte, now time.Time, life time.Duration) []byte {
	t.Helper()
	port := uint16(kr.NodeID()[0]) + 1
	r, err := record.New(kr, network, now, record.Options{
		Roles:    record.RoleRelay,
		Addrs:    []record.Addr{record.TCPAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))},
		Lifetime: life,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// records returns n valid records of distinct nodes (indices from base),
// issued at now.
func records(t testing.TB, base, n int, now time.Time) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range out {
		out[i] = recordFor(t, keyring(t, base+i, now), testNet, now, 0)
	}
	return out
}

// memBook is an address book keeping the latest record per node by
// IssuedAt, with an optional capacity (beyond which new nodes are
// NotStored), optionally refusing its own node's records as addrman does.
// It counts offers.
type memBook struct {
	mu     sync.Mutex
	recs   map[identity.NodeID]*bookEntry
	cap    int
	offers int

	self       identity.NodeID
	refuseSelf bool
}

type bookEntry struct {
	issued uint64
	raw    []byte
}

func newBook() *memBook { return &memBook{recs: map[identity.NodeID]*bookEntry{}} }

func (b *memBook) Offer(rec *record.Record, raw []byte, _ identity.NodeID) Verdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offers++
	if old, ok := b.recs[rec.NodeID]; ok && old.issued >= rec.IssuedAt {
		return Stale
	}
	if b.refuseSelf && rec.NodeID == b.self {
		return Stale
	}
	if _, ok := b.recs[rec.NodeID]; !ok && b.cap > 0 && len(b.recs) >= b.cap {
		return NotStored
	}
	b.recs[rec.NodeID] = &bookEntry{rec.IssuedAt, raw}
	return Stored
}

// Sample returns up to n records in NodeID order (deterministic).
func (b *memBook) Sample(n int) [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]identity.NodeID, 0, len(b.recs))
	for id := range b.recs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y identity.NodeID) int { return bytes.Compare(x[:], y[:]) })
	var out [][]byte
	for _, id := range ids[:min(n, len(ids))] {
		out = append(out, b.recs[id].raw)
	}
	return out
}

func (b *memBook) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.recs)
}

func (b *memBook) has(raw []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.recs {
		if bytes.Equal(e.raw, raw) {
			return true
		}
	}
	return false
}

// verifyCounter wraps the default verification and counts calls per
// record hash.
type verifyCounter struct {
	mu    sync.Mutex
	calls map[[32]byte]int
}

func (v *verifyCounter) verify(raw []byte) (*record.Record, error) {
	v.mu.Lock()
	if v.calls == nil {
		v.calls = map[[32]byte]int{}
	}
	v.calls[sha256.Sum256(raw)]++
	v.mu.Unlock()
	return defaultVerify(testNet, time.Now)(raw)
}

func (v *verifyCounter) count(raw []byte) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[sha256.Sum256(raw)]
}

func (v *verifyCounter) total() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, c := range v.calls {
		n += c
	}
	return n
}

// node is one engine with its book, verify counter and identity.
type node struct {
	e    *Engine
	book *memBook
	vc   *verifyCounter
	kr   *identity.Keyring
}

func newNode(t testing.TB, i int, tweak func(*Config)) *node {
	t.Helper()
	n := &node{book: newBook(), vc: &verifyCounter{}, kr: keyring(t, i, time.Now())}
	cfg := Config{
		NetworkID: testNet, Self: n.kr.NodeID(), Book: n.book, Verify: n.vc.verify,
		Rand: rand.New(rand.NewPCG(uint64(i), 0x77)),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	n.e = New(cfg)
	return n
}

func (n *node) id() identity.NodeID { return n.kr.NodeID() }

// memLink joins two engines in memory: each direction is a buffered
// channel drained by a goroutine that calls the receiving Peer's Handle. A
// Handle error closes the link, as a real link would be closed.
type memLink struct {
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

type memEnd struct {
	l   *memLink
	out chan []byte
}

var errLinkClosed = errors.New("test: link closed")

func (s memEnd) Send(p []byte) error {
	select {
	case s.out <- bytes.Clone(p):
		return nil
	case <-s.l.closed:
		return errLinkClosed
	}
}

func connect(a, b *node) *memLink {
	l := &memLink{closed: make(chan struct{})}
	ab, ba := make(chan []byte, 16), make(chan []byte, 16)
	pa := a.e.Attach(b.id(), memEnd{l, ab}) // a's view of b
	pb := b.e.Attach(a.id(), memEnd{l, ba})
	l.wg.Add(2)
	go l.read(ab, pb)
	go l.read(ba, pa)
	return l
}

func (l *memLink) read(in chan []byte, to *Peer) {
	defer l.wg.Done()
	for {
		select {
		case m := <-in:
			if err := to.Handle(m); err != nil {
				l.mu.Lock()
				l.errs = append(l.errs, err)
				l.mu.Unlock()
				l.close()
				return
			}
		case <-l.closed:
			return
		}
	}
}

func (l *memLink) close() { l.once.Do(func() { close(l.closed) }) }

func (l *memLink) shutdown() []error {
	l.close()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

// capture is a Sender that keeps every message; if block is non-nil, Send
// waits for it to close first.
type capture struct {
	mu    sync.Mutex
	msgs  [][]byte
	block chan struct{}
}

func (c *capture) Send(p []byte) error {
	if c.block != nil {
		<-c.block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, bytes.Clone(p))
	return nil
}

// pushed returns the records of every RECORDS_PUSH sent so far.
func (c *capture) pushed(t testing.TB) [][]byte {
	return c.records(t, wire.TypePush)
}

// records returns the records of every message of type ty sent so far.
func (c *capture) records(t testing.TB, ty wire.Type) [][]byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]byte
	for _, m := range c.msgs {
		if wire.Type(m[0]) != ty {
			continue
		}
		var recs [][]byte
		var err error
		if ty == wire.TypePush {
			recs, err = wire.ParsePush(m)
		} else {
			recs, _, err = wire.ParseReply(m)
		}
		if err != nil {
			t.Fatalf("engine sent a bad message: %v", err)
		}
		out = append(out, recs...)
	}
	return out
}

func (c *capture) count(ty wire.Type) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.msgs {
		if wire.Type(m[0]) == ty {
			n++
		}
	}
	return n
}

func push(t testing.TB, recs ...[]byte) []byte {
	t.Helper()
	m, err := wire.AppendPush(nil, recs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func reply(t testing.TB, done bool, recs ...[]byte) []byte {
	t.Helper()
	m, err := wire.AppendReply(nil, recs, done)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkBalance asserts that every received record is counted once.
func checkBalance(t testing.TB, s Stats) {
	t.Helper()
	sum := s.RateLimited + s.Duplicate + s.Malformed + s.Expired + s.BadSignature + s.Stale + s.Stored + s.NotStored
	if s.Received != sum {
		t.Fatalf("Received %d, but the outcomes add up to %d: %+v", s.Received, sum, s)
	}
}

// noRequest disables the GET_RECORDS on attach.
func noRequest(c *Config) { c.RequestOnAttach = -1 }
