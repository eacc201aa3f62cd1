package peers

import (
	"bytes"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// backoffs remembers, per node, when it may be dialled again: exponential
// from min to max, full jitter (a random delay in [d/2, d)). Bounded to
// maxBackoffEntries; when full, the entry due soonest is forgotten.
// Safe for concurrent use.
type backoffs struct {
	min, max time.Duration

	mu sync.Mutex
	m  map[identity.NodeID]*backoff
}

type backoff struct {
	delay time.Duration // the next failure's delay before jitter
	until time.Time
}

func newBackoffs(min, max time.Duration) *backoffs {
	return &backoffs{min: min, max: max, m: make(map[identity.NodeID]*backoff)}
}

// fail records a failed dial (or a link that died young) and returns when
// the node may be dialled again.
func (b *backoffs) fail(id identity.NodeID, now time.Time, jitter func(time.Duration) time.Duration) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.m[id]
	if e == nil {
		if len(b.m) >= maxBackoffEntries {
			b.evictLocked()
		}
		e = &backoff{delay: b.min}
		b.m[id] = e
	}
	e.until = now.Add(jitter(e.delay))
	e.delay = min(2*e.delay, b.max)
	return e.until
}

func (b *backoffs) evictLocked() {
	var victim identity.NodeID
	var first time.Time
	for id, e := range b.m {
		if first.IsZero() || e.until.Before(first) || (e.until.Equal(first) && bytes.Compare(id[:], victim[:]) < 0) {
			victim, first = id, e.until
		}
	}
	delete(b.m, victim)
}

// reset forgets id's failures.
func (b *backoffs) reset(id identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, id)
}

// waiting reports whether id may not be dialled yet.
func (b *backoffs) waiting(id identity.NodeID, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.m[id]
	return e != nil && now.Before(e.until)
}
