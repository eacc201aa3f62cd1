package link

import (
	"container/list"
	"fmt"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Replay-guard defaults.
const (
	// DefaultReplayCapacity bounds the per-initiator table.
	DefaultReplayCapacity = 10000
	// DefaultReplayWindow is how far an IK timestamp may be from the
	// responder's clock, either way. Clock skew between NTP-synced nodes is
	// well under a second; onion-service nodes on laptops drift more.
	DefaultReplayWindow = 5 * time.Minute
	// DefaultReplayBurst and DefaultReplayRefill define the per-initiator
	// token bucket for accepted IK handshakes: 4 at once, then one per
	// second.
	DefaultReplayBurst  = 4
	DefaultReplayRefill = time.Second
)

// ReplayConfig configures a ReplayGuard; zero fields mean the defaults.
type ReplayConfig struct {
	Capacity int           // DefaultReplayCapacity entries, LRU-evicted
	Window   time.Duration // DefaultReplayWindow
	Burst    int           // DefaultReplayBurst
	Refill   time.Duration // DefaultReplayRefill: one token per Refill
	// NotBefore is the initial floor: timestamps at or before it are
	// refused from every initiator. Zero means the guard's creation time,
	// so a message 1 captured before a restart is refused after it; a node
	// that persists its shutdown time may pass that instead (initiators
	// whose clocks lag ours are refused for the length of their lag).
	NotBefore time.Time
	// Now is read once, for the default NotBefore; nil means time.Now.
	Now func() time.Time
}

// ReplayGuard refuses replayed IK first messages, WireGuard style: per
// initiator NodeID it keeps the newest accepted timestamp and a token
// bucket. A message 1 is accepted only if its timestamp is strictly greater
// than that node's last one and than the guard's floor, lies within Window
// of the responder's clock, and the node has a token left. Evicting an
// entry raises the floor to the evicted timestamp, so eviction never
// reopens a replay. One guard serves all Accepts of a node and must
// outlive its links. Safe for concurrent use.
type ReplayGuard struct {
	window, refill time.Duration
	burst          float64
	capacity       int

	mu      sync.Mutex
	floor   uint64
	entries map[identity.NodeID]*list.Element
	lru     list.List // of *replayEntry, most recent at the front
	stats   ReplayStats
}

type replayEntry struct {
	id      identity.NodeID
	last    uint64
	tokens  float64
	updated time.Time
}

// ReplayStats counts refusals and evictions since the guard was made.
type ReplayStats struct {
	Accepted, Replayed, Stale, RateLimited, Evicted uint64
}

// NewReplayGuard returns an empty guard.
func NewReplayGuard(c ReplayConfig) *ReplayGuard {
	g := &ReplayGuard{
		window:   orDefault(c.Window, DefaultReplayWindow),
		refill:   orDefault(c.Refill, DefaultReplayRefill),
		burst:    float64(c.Burst),
		capacity: c.Capacity,
		entries:  make(map[identity.NodeID]*list.Element),
	}
	if g.burst <= 0 {
		g.burst = DefaultReplayBurst
	}
	if g.capacity <= 0 {
		g.capacity = DefaultReplayCapacity
	}
	nb := c.NotBefore
	if nb.IsZero() {
		nb = nowOf(c.Now)
	}
	g.floor = uint64(max(nb.UnixNano(), 0))
	return g
}

func nowOf(f func() time.Time) time.Time {
	if f == nil {
		return time.Now()
	}
	return f()
}

// Stats returns a snapshot of the counters.
func (g *ReplayGuard) Stats() ReplayStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// Len returns the number of initiators tracked.
func (g *ReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lru.Len()
}

// precheck reports whether ts could be accepted for id, without changing
// anything; the responder runs it before verifying the certificate so a
// replay costs no signature check.
func (g *ReplayGuard) precheck(id identity.NodeID, ts uint64, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checkLocked(id, ts, now)
}

func (g *ReplayGuard) checkLocked(id identity.NodeID, ts uint64, now time.Time) error {
	n := now.UnixNano()
	w := g.window.Nanoseconds()
	if int64(ts) < n-w || int64(ts) > n+w || ts > 1<<63-1 {
		g.stats.Stale++
		return fmt.Errorf("%w: %w", ErrHandshake, ErrStale)
	}
	min := g.floor
	if el, ok := g.entries[id]; ok {
		min = max(min, el.Value.(*replayEntry).last)
	}
	if ts <= min {
		g.stats.Replayed++
		return fmt.Errorf("%w: %w", ErrHandshake, ErrReplay)
	}
	return nil
}

// admit checks ts again and, if it passes and id has a token, records it.
// Call it only after the initiator's certificate verified.
func (g *ReplayGuard) admit(id identity.NodeID, ts uint64, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.checkLocked(id, ts, now); err != nil {
		return err
	}
	e := g.entryLocked(id, now)
	g.refillLocked(e, now)
	if e.tokens < 1 {
		g.stats.RateLimited++
		return fmt.Errorf("%w: %w", ErrHandshake, ErrRateLimited)
	}
	e.tokens--
	e.last = ts
	g.stats.Accepted++
	return nil
}

func (g *ReplayGuard) entryLocked(id identity.NodeID, now time.Time) *replayEntry {
	if el, ok := g.entries[id]; ok {
		g.lru.MoveToFront(el)
		return el.Value.(*replayEntry)
	}
	for g.lru.Len() >= g.capacity {
		g.evictLocked()
	}
	e := &replayEntry{id: id, last: g.floor, tokens: g.burst, updated: now}
	g.entries[id] = g.lru.PushFront(e)
	return e
}

func (g *ReplayGuard) evictLocked() {
	el := g.lru.Back()
	e := el.Value.(*replayEntry)
	g.floor = max(g.floor, e.last)
	g.lru.Remove(el)
	delete(g.entries, e.id)
	g.stats.Evicted++
}

func (g *ReplayGuard) refillLocked(e *replayEntry, now time.Time) {
	if d := now.Sub(e.updated); d > 0 {
		e.tokens = min(g.burst, e.tokens+float64(d)/float64(g.refill))
	}
	e.updated = now
}
