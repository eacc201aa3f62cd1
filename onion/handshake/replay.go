package handshake

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
)

// replayCache remembers the client messages a Server answered, for as long
// as a replay of them could pass the freshness check: an entry for
// timestamp ts is kept until ts + Window < now. It is keyed by a salted
// SHA-256 of (epoch, client ephemeral key) truncated to 16 bytes, so it is
// scoped to the onion-key epoch; entries of a retired epoch are never
// matched again and leave with their window.
//
// Layout: a map of keys for lookup plus a min-heap of (ts, key) ordered by
// timestamp for the sweep, which pops expired entries before each
// admission (O(log n) each). About 50-70 bytes per entry, measured in
// TestReplayCacheMemory (a full default cache: about 16 MiB). The map is
// rebuilt when it falls to a quarter of its peak, so memory taken in a
// flood is given back after it.
//
// The cache also holds the floor: timestamps at or below it are stale. It
// starts at ServerConfig.Floor and rises to the timestamp of every entry
// swept, so an injected clock that steps back cannot revive a replay the
// cache has forgotten. Safe for concurrent use.
type replayCache struct {
	salt   [32]byte
	max    int
	window int64 // seconds, rounded up

	mu    sync.Mutex
	floor int64 // unix seconds
	seen  map[cacheKey]struct{}
	heap  []cacheEntry
	peak  int // largest len(heap) since the map was last built
}

type cacheKey [16]byte

type cacheEntry struct {
	ts  int64 // unix seconds
	key cacheKey
}

// shrinkMin is the peak below which the map is never rebuilt.
const shrinkMin = 4096

func (c *replayCache) key(epoch uint32, eph []byte) cacheKey {
	var in [32 + 4 + keySize]byte
	copy(in[:32], c.salt[:])
	binary.BigEndian.PutUint32(in[32:], epoch)
	copy(in[36:], eph)
	sum := sha256.Sum256(in[:])
	return cacheKey(sum[:16])
}

// admit records k with timestamp ts at time now (unix seconds) unless ts
// is at or below the floor (ErrStale), k is present (ErrReplay) or the
// cache holds max unexpired entries (ErrBusy).
func (c *replayCache) admit(k cacheKey, ts, now int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	if ts <= c.floor {
		return ErrStale
	}
	if _, dup := c.seen[k]; dup {
		return ErrReplay
	}
	if len(c.heap) >= c.max {
		return ErrBusy
	}
	if c.seen == nil {
		c.seen = make(map[cacheKey]struct{})
	}
	c.seen[k] = struct{}{}
	c.pushLocked(cacheEntry{ts: ts, key: k})
	c.peak = max(c.peak, len(c.heap))
	return nil
}

// sweepLocked drops the entries whose window has passed (ts + window <
// now), raising the floor to their timestamps.
func (c *replayCache) sweepLocked(now int64) {
	for len(c.heap) > 0 && c.heap[0].ts+c.window < now {
		e := c.popLocked()
		delete(c.seen, e.key)
		c.floor = max(c.floor, e.ts)
	}
	if c.peak >= shrinkMin && len(c.heap) <= c.peak/4 {
		c.rebuildLocked()
	}
}

// rebuildLocked copies the live entries into a right-sized map and heap:
// Go maps never shrink.
func (c *replayCache) rebuildLocked() {
	c.seen = make(map[cacheKey]struct{}, len(c.heap))
	for _, e := range c.heap {
		c.seen[e.key] = struct{}{}
	}
	c.heap = slices.Clone(c.heap)
	c.peak = len(c.heap)
}

func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.heap)
}

// pushLocked and popLocked keep c.heap a binary min-heap on ts.
func (c *replayCache) pushLocked(e cacheEntry) {
	h := append(c.heap, e)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].ts <= h[i].ts {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	c.heap = h
}

func (c *replayCache) popLocked() cacheEntry {
	h := c.heap
	top, n := h[0], len(h)-1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && h[l].ts < h[m].ts {
			m = l
		}
		if r < n && h[r].ts < h[m].ts {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	c.heap = h
	return top
}
