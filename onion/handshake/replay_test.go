package handshake

import (
	"bytes"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// R6: a replayed client message creates no second circuit hop, whether
// replayed once, 100 times, concurrently, or after the relay restarted.
func TestReplay(t *testing.T) {
	for _, n := range []int{1, 100} {
		e := newEnv(t)
		_, msg := e.client(t, t0)
		if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			e.clk.set(t0.Add(time.Duration(i) * time.Second))
			reply, keys, _, err := e.srv.Respond(msg, keyLen)
			if err != ErrReplay || reply != nil || keys != nil {
				t.Fatalf("replay %d of %d: %v", i+1, n, err)
			}
		}
		st := e.srv.Stats()
		if st.Accepted != 1 || st.Replays != uint64(n) || st.Entries != 1 {
			t.Fatalf("%d replays: stats %+v", n, st)
		}
	}
}

func TestReplayConcurrent(t *testing.T) {
	e := newEnv(t)
	_, msg := e.client(t, t0)
	var ok, replays atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			switch _, _, _, err := e.srv.Respond(msg, keyLen); err {
			case nil:
				ok.Add(1)
			case ErrReplay:
				replays.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || replays.Load() != 99 {
		t.Fatalf("%d successes, %d replays", ok.Load(), replays.Load())
	}
}

// After a restart the cache is empty, but the floor (the restart time)
// refuses every message made before it, however fresh it still is.
func TestReplayAfterRestart(t *testing.T) {
	e := newEnv(t)
	_, msg := e.client(t, t0)
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
		t.Fatal(err)
	}
	restart := t0.Add(30 * time.Second)
	e.clk.set(restart)
	cfg := e.config() // same onion keys
	cfg.Floor = restart
	s2 := mustServer(t, cfg)
	for range 100 {
		if _, _, _, err := s2.Respond(msg, keyLen); err != ErrStale {
			t.Fatalf("replay after restart: %v", err)
		}
	}
	// A message made before the restart but never used is refused too.
	_, unused := e.client(t, restart.Add(-time.Second))
	if _, _, _, err := s2.Respond(unused, keyLen); err != ErrStale {
		t.Fatalf("pre-restart message: %v", err)
	}
	// New handshakes work once the clock has passed the floor's second.
	e.clk.set(restart.Add(time.Second))
	c, fresh := e.client(t, restart.Add(time.Second))
	reply, _, _, err := s2.Respond(fresh, keyLen)
	if err != nil {
		t.Fatalf("fresh message after restart: %v", err)
	}
	if _, _, err := c.Finish(reply, keyLen); err != nil {
		t.Fatal(err)
	}
	if st := s2.Stats(); st.Stale != 101 || st.Accepted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWindowEdges(t *testing.T) {
	const w = 2 * time.Minute
	for _, tc := range []struct {
		name string
		skew time.Duration // client clock minus relay clock
		want error
	}{
		{"on time", 0, nil},
		{"window behind", -w, nil},
		{"window ahead", w, nil},
		{"window + 1 s behind", -w - time.Second, ErrStale},
		{"window + 1 s ahead", w + time.Second, ErrStale},
	} {
		e := newEnv(t, func(c *ServerConfig) { c.Window = w; c.Floor = t0.Add(-time.Hour) })
		_, msg := e.client(t, t0.Add(tc.skew))
		if _, _, _, err := e.srv.Respond(msg, keyLen); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// An entry stays exactly as long as its replay could pass the window.
func TestReplayEntryLifetime(t *testing.T) {
	const w = time.Minute
	e := newEnv(t, func(c *ServerConfig) { c.Window = w })
	_, msg := e.client(t, t0)
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
		t.Fatal(err)
	}
	e.clk.set(t0.Add(w))
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != ErrReplay {
		t.Fatalf("replay at ts+window: %v", err)
	}
	e.clk.set(t0.Add(w + time.Second))
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != ErrStale {
		t.Fatalf("replay at ts+window+1s: %v", err)
	}
	// A handshake now sweeps the entry out.
	_, fresh := e.client(t, t0.Add(w+2*time.Second))
	e.clk.set(t0.Add(w + 2*time.Second))
	if _, _, _, err := e.srv.Respond(fresh, keyLen); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Entries; n != 1 {
		t.Fatalf("%d entries, want 1 (the old one swept)", n)
	}
	// If the clock then steps back into the old message's window, the
	// swept entry's timestamp became the floor: still refused.
	e.clk.set(t0.Add(time.Second))
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != ErrStale {
		t.Fatalf("replay after the clock stepped back: %v", err)
	}
}

// A full cache refuses new handshakes (fail closed) but still recognises
// replays, and recovers once entries leave the window.
func TestCacheFull(t *testing.T) {
	const max, w = 8, time.Minute
	e := newEnv(t, func(c *ServerConfig) { c.MaxEntries = max; c.Window = w })
	var first []byte
	for i := range max {
		_, msg := e.client(t, t0)
		if i == 0 {
			first = msg
		}
		if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.set(t0.Add(w))
	lc, late := e.client(t, t0.Add(w))
	for range 3 {
		if _, _, _, err := e.srv.Respond(late, keyLen); err != ErrBusy {
			t.Fatalf("full cache: %v", err)
		}
	}
	if _, _, _, err := e.srv.Respond(first, keyLen); err != ErrReplay {
		t.Fatalf("replay into a full cache: %v", err)
	}
	e.clk.set(t0.Add(w + time.Second))
	reply, _, _, err := e.srv.Respond(late, keyLen)
	if err != nil {
		t.Fatalf("after the window passed: %v", err)
	}
	if _, _, err := lc.Finish(reply, keyLen); err != nil {
		t.Fatal(err)
	}
	if st := e.srv.Stats(); st.Busy != 3 || st.Entries != 1 || st.Accepted != max+1 {
		t.Fatalf("stats %+v", st)
	}
}

// The cache key includes the epoch: the same ephemeral key under two
// epochs (only possible with a reused random stream) is two handshakes.
func TestCacheScopedToEpoch(t *testing.T) {
	e := newEnv(t)
	a, ma, err := NewClient(testNet, pub(e.cur), testEpoch, t0, bytes.NewReader(seeded(5)))
	if err != nil {
		t.Fatal(err)
	}
	b, mb, err := NewClient(testNet, pub(e.prev), testEpoch-1, t0, bytes.NewReader(seeded(5)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ma[offEph:offSealed], mb[offEph:offSealed]) {
		t.Fatal("test setup: ephemeral keys differ")
	}
	for _, p := range []struct {
		c   *Client
		msg []byte
	}{{a, ma}, {b, mb}} {
		reply, _, _, err := e.srv.Respond(p.msg, keyLen)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.c.Finish(reply, keyLen); err != nil {
			t.Fatal(err)
		}
	}
}

// After a flood leaves the window, the cache gives its memory back.
func TestCacheShrinks(t *testing.T) {
	c := &replayCache{max: 1 << 20, window: 60}
	for i := range 3 * shrinkMin {
		var k cacheKey
		rand.Read(k[:])
		if err := c.admit(k, 1000+int64(i%10), 1000); err != nil {
			t.Fatal(err)
		}
	}
	if c.peak != 3*shrinkMin {
		t.Fatalf("peak %d", c.peak)
	}
	if err := c.admit(cacheKey{1}, 2000, 2000); err != nil {
		t.Fatal(err)
	}
	if c.len() != 1 || len(c.seen) != 1 || c.peak != 1 || cap(c.heap) > 8 {
		t.Fatalf("after the sweep: %d entries, map %d, peak %d, heap cap %d", c.len(), len(c.seen), c.peak, cap(c.heap))
	}
	if c.floor != 1009 {
		t.Fatalf("floor %d, want the newest swept timestamp 1009", c.floor)
	}
}

// The heap pops in timestamp order whatever the insertion order.
func TestCacheHeapOrder(t *testing.T) {
	c := &replayCache{max: 1 << 10}
	var ts [500]int64
	for i := range ts {
		var b [2]byte
		rand.Read(b[:])
		ts[i] = int64(b[0])<<8 | int64(b[1])
		c.pushLocked(cacheEntry{ts: ts[i]})
	}
	last := int64(-1)
	for range ts {
		e := c.popLocked()
		if e.ts < last {
			t.Fatalf("popped %d after %d", e.ts, last)
		}
		last = e.ts
	}
}
