package link

import (
	"crypto/ecdh"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

func id(b byte) identity.NodeID { return identity.NodeID{b} }

func ns(t time.Time) uint64 { return uint64(t.UnixNano()) }

func TestReplayGuardOrdering(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Minute)})
	steps := []struct {
		ts   time.Time
		want error
	}{
		{now, nil},
		{now, ErrReplay},                       // equal
		{now.Add(-time.Nanosecond), ErrReplay}, // older
		{now.Add(time.Nanosecond), nil},        // strictly newer
		{now.Add(-2 * time.Minute), ErrReplay}, // inside the window, below the last accepted
	}
	for i, s := range steps {
		if err := g.admit(id(1), ns(s.ts), now); !errors.Is(err, s.want) {
			t.Fatalf("step %d: %v, want %v", i, err, s.want)
		}
	}
	if err := g.admit(id(2), ns(now.Add(-DefaultReplayWindow-time.Second)), now); !errors.Is(err, ErrStale) {
		t.Fatalf("outside window: %v", err)
	}
	if err := g.admit(id(2), ns(now.Add(DefaultReplayFuture+time.Nanosecond)), now); !errors.Is(err, ErrStale) {
		t.Fatalf("future beyond DefaultReplayFuture: %v", err)
	}
	if err := g.admit(id(2), ns(now.Add(DefaultReplayFuture)), now); err != nil {
		t.Fatalf("future at DefaultReplayFuture: %v", err)
	}
	g2 := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Hour)})
	if err := g2.admit(id(4), ns(now.Add(-DefaultReplayWindow)), now); err != nil {
		t.Fatalf("lagging by the whole window: %v", err)
	}
	if err := g.admit(id(3), ns(now.Add(-90*time.Second)), now); !errors.Is(err, ErrReplay) {
		t.Fatalf("before NotBefore: %v", err)
	}
}

func TestReplayGuardRateLimit(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Hour), Burst: 2, Refill: time.Second})
	ts := ns(now)
	next := func() uint64 { ts++; return ts }
	for i := 0; i < 2; i++ {
		if err := g.admit(id(1), next(), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.admit(id(1), next(), now); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("third in burst: %v", err)
	}
	if err := g.admit(id(2), next(), now); err != nil {
		t.Fatalf("other node limited: %v", err)
	}
	later := now.Add(1100 * time.Millisecond)
	if err := g.admit(id(1), next(), later); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	if err := g.admit(id(1), next(), later); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("one token only: %v", err)
	}
	// A refused (rate-limited) timestamp was not recorded: it can be used later.
	if s := g.Stats(); s.Accepted != 4 || s.RateLimited != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// Eviction takes only stale tails, in LRU order, and the table never
// grows past its capacity however many initiators come.
func TestReplayGuardEvictsStaleTails(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Hour), Capacity: 3})
	for i := byte(1); i <= 3; i++ {
		at := now.Add(time.Duration(i) * time.Second)
		if err := g.admit(id(i), ns(at), at); err != nil {
			t.Fatal(err)
		}
	}
	// At now+Window+1.5s only id(1)'s timestamp (now+1s) is stale.
	t1 := now.Add(DefaultReplayWindow + 1500*time.Millisecond)
	if err := g.admit(id(4), ns(t1), t1); err != nil {
		t.Fatalf("newcomer with a stale tail: %v", err)
	}
	if err := g.admit(id(5), ns(t1)+1, t1); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second newcomer (tail id(2) still fresh): %v", err)
	}
	if s := g.Stats(); g.Len() != 3 || s.Evicted != 1 || s.TableFull != 1 {
		t.Fatalf("len %d, stats %+v", g.Len(), s)
	}
	// id(1)'s entry is gone, but its old message is out of the window.
	if err := g.admit(id(1), ns(now)+uint64(time.Second), t1); !errors.Is(err, ErrStale) {
		t.Fatalf("replay after eviction: %v", err)
	}
	clk := t1
	for i := 0; i < 100; i++ {
		clk = clk.Add(DefaultReplayWindow / 10)
		if err := g.admit(id(byte(10+i)), ns(clk), clk); err != nil && !errors.Is(err, ErrRateLimited) {
			t.Fatal(err)
		}
		if g.Len() > 3 || g.floor >= ns(clk.Add(-DefaultReplayWindow)) {
			t.Fatalf("len %d, floor %d above now-Window", g.Len(), g.floor)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	n := newNode(t)
	p256, _ := ecdh.P256().GenerateKey(nil)
	cases := map[string]*Config{
		"node key only":        {NodeKey: n.nodeKey},
		"link key only":        {LinkKey: n.linkKey},
		"short node key":       {NodeKey: n.nodeKey[:10], LinkKey: n.linkKey},
		"P-256 link key":       {NodeKey: n.nodeKey, LinkKey: p256},
		"negative timeout":     {HandshakeTimeout: -1},
		"idle below keepalive": {KeepaliveInterval: time.Minute, IdleTimeout: time.Second},
		"nil":                  nil,
	}
	for name, c := range cases {
		c1, c2 := net.Pipe()
		c2.Close()
		if _, err := Dial(t.Context(), c1, c, n.remote()); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	p := mustPrepare(t, &Config{})
	if p.handshake != DefaultHandshakeTimeout || p.idle != 3*DefaultKeepaliveInterval || p.write != DefaultWriteTimeout ||
		p.rekeyEvery != DefaultRekeyInterval || p.rekeyMessages != DefaultRekeyMessages || !p.anonymous {
		t.Fatalf("defaults %+v", p)
	}
	p = mustPrepare(t, &Config{KeepaliveInterval: time.Second})
	if p.idle != 3*time.Second {
		t.Fatalf("idle default follows keepalive: %v", p.idle)
	}
}

func TestAcceptNeedsIdentityAndGuard(t *testing.T) {
	n := newNode(t)
	c1, c2 := net.Pipe()
	defer c2.Close()
	if _, err := Accept(t.Context(), c1, anonConfig(), NewReplayGuard(ReplayConfig{})); !errors.Is(err, ErrConfig) {
		t.Fatalf("anonymous accept: %v", err)
	}
	c3, c4 := net.Pipe()
	defer c4.Close()
	if _, err := Accept(t.Context(), c3, n.config(), nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil guard: %v", err)
	}
}

func TestDialContextCancel(t *testing.T) {
	n := newNode(t)
	c1, c2 := net.Pipe()
	defer c2.Close()
	go func() { readMsg1(c2) }() // then never answers
	ctx, cancel := contextWithTimeout(t, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Dial(ctx, c1, anonConfig(), n.remote())
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("Dial = %v after %v", err, time.Since(start))
	}
}

func TestTimestampsStrictlyIncrease(t *testing.T) {
	clk := time.Unix(1_800_000_000, 0)
	p := mustPrepare(t, &Config{Now: func() time.Time { return clk }})
	a, b := p.timestamp(), p.timestamp()
	if b <= a {
		t.Fatalf("timestamps %d then %d", a, b)
	}
}

func TestIPSource(t *testing.T) {
	cases := map[string]string{
		"127.0.0.9:1":            "127.0.0.9",
		"[::ffff:10.0.0.1]:1":    "10.0.0.1",
		"[2001:db8:1:2:3::4]:80": "2001:db8:1:2::/64",
	}
	for in, want := range cases {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := ipSource(addr); got != want {
			t.Errorf("ipSource(%s) = %q, want %q", in, got, want)
		}
	}
	if got := ipSource(&net.UnixAddr{Name: "/x", Net: "unix"}); got != "" {
		t.Errorf("unix addr source %q", got)
	}
}
