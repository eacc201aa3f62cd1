package circmgr_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circmgr"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/overlay/identity"
)

type dir struct{ nw *circnet.Net }

func (d dir) Relays() []circmgr.Relay { return d.nw.Hops() }

type memGuards struct {
	mu  sync.Mutex
	ids []identity.NodeID
}

func (g *memGuards) LoadGuards(context.Context) ([]identity.NodeID, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.ids), nil
}

func (g *memGuards) SaveGuards(_ context.Context, ids []identity.NodeID) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ids = slices.Clone(ids)
	return nil
}

func setup(t *testing.T, relays int, guards *memGuards, seed uint64) (*circnet.Net, *circmgr.Manager) {
	t.Helper()
	nw, err := circnet.New(relays, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	return nw, newManager(t, nw, guards, seed)
}

func newManager(t *testing.T, nw *circnet.Net, guards *memGuards, seed uint64) *circmgr.Manager {
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := circmgr.Config{
		Node: c.Node, Dir: dir{nw}, Rand: rand.New(rand.NewPCG(seed, seed)),
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) { return nw.DialAnon(ctx, g.NodeID) },
	}
	if guards != nil {
		cfg.Guards = guards
	}
	m, err := circmgr.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// Circuits are isolated by purpose: one purpose keeps its circuit, two
// purposes never share one, and a purpose whose circuit closed gets a new
// one, never another purpose's.
func TestIsolation(t *testing.T) {
	nw, m := setup(t, 5, nil, 1)
	dest := nw.Hop(4)
	a1, err := m.Get(ctx(t), circmgr.Purpose{Kind: "contact", Key: "alice"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := m.Get(ctx(t), circmgr.Purpose{Kind: "contact", Key: "alice"}, dest)
	b, _ := m.Get(ctx(t), circmgr.Purpose{Kind: "contact", Key: "bob"}, dest)
	pay, _ := m.Get(ctx(t), circmgr.Purpose{Kind: "payment", Key: "alice"}, dest)
	if a1 != a2 {
		t.Fatal("one purpose got two circuits")
	}
	if b == a1 || pay == a1 || pay == b {
		t.Fatal("two purposes share a circuit")
	}
	a1.Close()
	a3, err := m.Get(ctx(t), circmgr.Purpose{Kind: "contact", Key: "alice"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if a3 == a1 || a3 == b || a3 == pay {
		t.Fatal("a closed purpose's replacement is an old circuit")
	}
	if got := a3.Info().Purpose; got != "contact" {
		t.Fatalf("purpose label %q", got)
	}
}

// Every path is three distinct relays, enters through a guard, and never
// uses the destination as a middle hop.
func TestPaths(t *testing.T) {
	nw, m := setup(t, 6, nil, 2)
	for i := range 40 {
		dest := nw.Hop(i % 6)
		c, err := m.Get(ctx(t), circmgr.Purpose{Kind: "test", Key: string(rune('a' + i))}, dest)
		if err != nil {
			t.Fatal(err)
		}
		h := c.Info().Hops
		if len(h) != 3 || h[0] == h[1] || h[1] == h[2] || h[0] == h[2] {
			t.Fatalf("request %d: path %v", i, h)
		}
		if h[2] != dest.NodeID {
			t.Fatalf("request %d: last hop is not the destination", i)
		}
		if !slices.Contains(m.Guards(), h[0]) {
			t.Fatalf("request %d: first hop is not a guard", i)
		}
	}
	if n := len(m.Guards()); n != 3 {
		t.Fatalf("%d guards, want 3", n)
	}
}

// Guards survive a restart through the GuardStore: a new manager enters
// through the same first guard.
func TestGuardsPersist(t *testing.T) {
	store := new(memGuards)
	nw, m := setup(t, 6, store, 3)
	dest := nw.Hop(5)
	c, err := m.Get(ctx(t), circmgr.Purpose{Kind: "test"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	first := m.Guards()
	m.Close()
	m2 := newManager(t, nw, store, 99) // another seed: only the store can make it agree
	c2, err := m2.Get(ctx(t), circmgr.Purpose{Kind: "test"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m2.Guards(), first) || c2.Info().Hops[0] != c.Info().Hops[0] {
		t.Fatalf("guards after restart %v, before %v", m2.Guards(), first)
	}
}

// Pre-built circuits: the manager keeps two idle guard → middle circuits,
// and a request is served by extending one (one hop's handshake instead
// of three).
func TestPrebuilt(t *testing.T) {
	nw, m := setup(t, 6, nil, 4)
	deadline := time.Now().Add(10 * time.Second)
	for m.Idle() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pre-built circuits after 10 s", m.Idle())
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	c, err := m.Get(ctx(t), circmgr.Purpose{Kind: "test"}, nw.Hop(5))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if m.Idle() != 1 && m.Idle() != 2 {
		t.Fatalf("idle %d after a request", m.Idle())
	}
	s, err := c.OpenStream(ctx(t), "echo")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Logf("request served from a pre-built circuit in %s", took)
}

// Open (the circapi.Dialer messaging uses) finds the destination by node
// ID and says clearly when it cannot.
func TestOpen(t *testing.T) {
	nw, m := setup(t, 4, nil, 5)
	s, err := m.Open(ctx(t), circmgr.Purpose{Kind: "mailbox", Key: "x"}, nw.Relays[3].Keys.NodeID(), "echo")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := m.Open(ctx(t), circmgr.Purpose{}, identity.NodeID{9}, "echo"); !errors.Is(err, circapi.ErrUnknownRelay) {
		t.Fatalf("unknown relay: %v", err)
	}
	if _, err := m.Open(ctx(t), circmgr.Purpose{}, nw.Relays[3].Keys.NodeID(), "nope"); !errors.Is(err, circapi.ErrNoService) {
		t.Fatalf("unknown service: %v", err)
	}
}

// Closing the manager while a request waits for its guard link must not
// crash it: the request fails with ErrClosed (review finding).
func TestCloseDuringDial(t *testing.T) {
	nw, err := circnet.New(4, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	release := make(chan struct{})
	m, err := circmgr.New(context.Background(), circmgr.Config{
		Node: c.Node, Dir: dir{nw}, Prebuilt: 1,
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) {
			<-release
			return nw.DialAnon(ctx, g.NodeID)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := m.Get(context.Background(), circmgr.Purpose{Kind: "test"}, nw.Hop(3))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	m.Close()
	if err := <-errc; !errors.Is(err, circmgr.ErrClosed) && err == nil {
		t.Fatalf("Get during Close: %v", err)
	}
}

// A purpose's circuit that idles past MaxIdle is closed and forgotten;
// the next request builds a new one (circuits do not pile up).
func TestIdleCircuitsExpire(t *testing.T) {
	nw, err := circnet.New(4, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	m, err := circmgr.New(context.Background(), circmgr.Config{
		Node: c.Node, Dir: dir{nw}, Refill: 20 * time.Millisecond, MaxIdle: 200 * time.Millisecond,
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) { return nw.DialAnon(ctx, g.NodeID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	p := circmgr.Purpose{Kind: "contact", Key: "idle"}
	first, err := m.Get(ctx(t), p, nw.Hop(3))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for first.Alive() {
		if time.Now().After(deadline) {
			t.Fatal("an idle circuit was not closed after MaxIdle")
		}
		time.Sleep(20 * time.Millisecond)
	}
	second, err := m.Get(ctx(t), p, nw.Hop(3))
	if err != nil {
		t.Fatal(err)
	}
	if second == first || !second.Alive() {
		t.Fatal("the purpose did not get a fresh circuit")
	}
}

// A guard that cannot be reached is passed over: the next request builds
// through the next guard instead of failing on the first one again.
func TestUnreachableGuardPassedOver(t *testing.T) {
	nw, err := circnet.New(5, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	guards := &memGuards{ids: []identity.NodeID{nw.Hop(0).NodeID, nw.Hop(1).NodeID, nw.Hop(2).NodeID}}
	var mu sync.Mutex
	dialled := map[identity.NodeID]int{}
	m, err := circmgr.New(context.Background(), circmgr.Config{
		Node: c.Node, Dir: dir{nw}, Guards: guards, Prebuilt: -1,
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) {
			mu.Lock()
			dialled[g.NodeID]++
			mu.Unlock()
			if g.NodeID == nw.Hop(0).NodeID {
				return nil, errors.New("guard down")
			}
			return nw.DialAnon(ctx, g.NodeID)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// The first build may fail on the guard that is down (or the
	// pre-builder may have found out first); then builds go through the
	// next guard, and the one that is down is not dialled again.
	_, _ = m.Get(ctx(t), circmgr.Purpose{Kind: "a"}, nw.Hop(4))
	for i := range 5 {
		circ, err := m.Get(ctx(t), circmgr.Purpose{Kind: "b", Key: string(rune('0' + i))}, nw.Hop(4))
		if err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
		if h := circ.Hops()[0].NodeID; h != nw.Hop(1).NodeID {
			t.Fatalf("build %d's guard is not the next guard", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := dialled[nw.Hop(0).NodeID]; n != 1 {
		t.Fatalf("the unreachable guard was dialled %d times, want 1", n)
	}
}

// A middle relay that is down is avoided after the first build that
// fails on it: later builds go through other middles.
func TestUnreachableMiddlePassedOver(t *testing.T) {
	nw, err := circnet.New(5, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	guards := &memGuards{ids: []identity.NodeID{nw.Hop(0).NodeID}}
	m, err := circmgr.New(context.Background(), circmgr.Config{
		Node: c.Node, Dir: dir{nw}, Guards: guards, NumGuards: 1, Prebuilt: -1,
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) { return nw.DialAnon(ctx, g.NodeID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	down := nw.Hop(2).NodeID
	nw.Relays[2].Close()
	failures := 0
	for i := range 20 {
		circ, err := m.Get(ctx(t), circmgr.Purpose{Kind: "m", Key: fmt.Sprint(i)}, nw.Hop(4))
		if err != nil {
			failures++
			continue
		}
		if circ.Hops()[1].NodeID == down {
			t.Fatal("a circuit was built through the relay that is down")
		}
	}
	if failures > 1 {
		t.Fatalf("%d of 20 builds failed; after the first, the relay that is down should be avoided", failures)
	}
}

// A Once purpose's circuit is closed with its stream, so one-off purposes
// (a payment order each, an invitation each) do not pile up circuits on
// the guard link; a kept purpose's circuit stays for reuse.
func TestOncePurposeClosesCircuit(t *testing.T) {
	nw, err := circnet.New(4, circnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	client, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	m, err := circmgr.New(context.Background(), circmgr.Config{
		Node: client.Node, Dir: dir{nw},
		DialGuard: func(ctx context.Context, g circmgr.Relay) (circuit.Conn, error) { return nw.DialAnon(ctx, g.NodeID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	dest := nw.Relays[3].Keys.NodeID()
	for i := range 20 {
		p := circmgr.Purpose{Kind: "order", Key: fmt.Sprint(i), Once: true}
		s, err := m.Open(ctx(t), p, dest, "echo")
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		s.Close()
	}
	if n := countPurpose(client.Node, "order"); n != 0 {
		t.Fatalf("%d circuits left open after 20 one-off purposes closed their streams", n)
	}
	kept := circmgr.Purpose{Kind: "mailbox", Key: "k"}
	for range 2 {
		s, err := m.Open(ctx(t), kept, dest, "echo")
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if n := countPurpose(client.Node, "mailbox"); n != 1 {
		t.Fatalf("a kept purpose: %d circuits open after two streams, want its one", n)
	}
}

func countPurpose(n *circuit.Node, kind string) int {
	c := 0
	for _, i := range n.Circuits() {
		if i.Purpose == kind {
			c++
		}
	}
	return c
}
