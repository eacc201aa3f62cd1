package link

import (
	"container/list"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Replay-guard defaults.
const (
	// DefaultReplayCapacity bounds the per-initiator table.
	DefaultReplayCapacity = 10000
	// DefaultReplayWindow is how far an IK timestamp may lag the
	// responder's clock. Clock skew between NTP-synced nodes is well under
	// a second; onion-service nodes on laptops drift more, and a message 1
	// can spend seconds in a Tor circuit.
	DefaultReplayWindow = 5 * time.Minute
	// DefaultReplayFuture is how far an IK timestamp may lead the
	// responder's clock. It is short because a future timestamp is what
	// keeps a table entry fresh (for Future+Window) and what an initiator
	// could use to make its own later messages look like replays; an
	// initiator whose clock runs more than this ahead is refused as stale.
	DefaultReplayFuture = 30 * time.Second
	// DefaultReplayBurst and DefaultReplayRefill define the per-initiator
	// token bucket for accepted IK handshakes: 4 at once, then one per
	// second.
	DefaultReplayBurst  = 4
	DefaultReplayRefill = time.Second
)

// ReplayConfig configures a ReplayGuard; zero fields mean the defaults.
type ReplayConfig struct {
	Capacity int           // DefaultReplayCapacity entries; see ReplayGuard for eviction
	Window   time.Duration // DefaultReplayWindow: how far a timestamp may lag our clock
	Future   time.Duration // DefaultReplayFuture: how far it may lead our clock
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
// bucket. A message 1 is accepted only if its timestamp lies in
// [now-Window, now+Future] by the responder's clock, is strictly greater
// than that node's last one and than the guard's floor, there is room for
// the node in the table, and the node has a token left.
//
// Room: a node already in the table always has room. When the table is
// full, a newcomer takes the slot of the least recently admitted node only
// if that node's last timestamp is older than now-Window (so any replay of
// its messages is refused as stale anyway, and the floor never has to rise
// above now-Window); otherwise the newcomer is refused with ErrRateLimited
// (counted as TableFull). A flood of valid handshakes from throwaway
// identities can therefore delay new initiators, for as long as it
// sustains Capacity admissions per Window+Future (about 30 per second with
// the defaults), but never locks out a node already in the table, nor
// moves anyone's floor into the future.
//
// One guard serves all Accepts of a node and must outlive its links. Safe
// for concurrent use.
type ReplayGuard struct {
	window, future time.Duration
	refill         time.Duration
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
// TableFull counts newcomers refused because the table held only fresh
// entries (reported to the caller as ErrRateLimited).
type ReplayStats struct {
	Accepted, Replayed, Stale, RateLimited, TableFull, Evicted uint64
}

// Refusals, pre-wrapped so that refusing a flood does not allocate.
var (
	errHSStale       = hsErr(ErrStale)
	errHSReplay      = hsErr(ErrReplay)
	errHSRateLimited = hsErr(ErrRateLimited)
)

// NewReplayGuard returns an empty guard.
func NewReplayGuard(c ReplayConfig) *ReplayGuard {
	g := &ReplayGuard{
		window:   orDefault(c.Window, DefaultReplayWindow),
		future:   orDefault(c.Future, DefaultReplayFuture),
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
	if ts > 1<<63-1 || int64(ts) < n-g.window.Nanoseconds() || int64(ts) > n+g.future.Nanoseconds() {
		g.stats.Stale++
		return errHSStale
	}
	min := g.floor
	el, known := g.entries[id]
	if known {
		min = max(min, el.Value.(*replayEntry).last)
	}
	if ts <= min {
		g.stats.Replayed++
		return errHSReplay
	}
	if !known && g.lru.Len() >= g.capacity && !g.tailStaleLocked(now) {
		g.stats.TableFull++
		return errHSRateLimited
	}
	return nil
}

// tailStaleLocked reports whether the least recently admitted entry's
// timestamp is older than now-Window, so evicting it reopens nothing.
func (g *ReplayGuard) tailStaleLocked(now time.Time) bool {
	el := g.lru.Back()
	return el != nil && int64(el.Value.(*replayEntry).last) < now.UnixNano()-g.window.Nanoseconds()
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
		return errHSRateLimited
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
	if g.lru.Len() >= g.capacity {
		g.evictLocked() // the tail, stale: checkLocked made sure
	}
	e := &replayEntry{id: id, last: g.floor, tokens: g.burst, updated: now}
	g.entries[id] = g.lru.PushFront(e)
	return e
}

// evictLocked drops the tail. Its last timestamp is below now-Window, so
// raising the floor to it changes nothing today; it keeps the guard safe if
// the injected clock steps back.
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
