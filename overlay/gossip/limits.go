package gossip

import (
	"sync"
	"time"
)

// bucket is a token bucket. Not safe for concurrent use.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// newBucket returns a full bucket.
func newBucket(rate, burst int, now time.Time) bucket {
	return bucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst), last: now}
}

// take removes up to n whole tokens and returns how many it removed.
func (b *bucket) take(now time.Time, n int) int {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	k := min(n, int(b.tokens))
	b.tokens -= float64(k)
	return k
}

// queue is a FIFO of at most max records that drops its oldest when full.
// Its backing array grows only with what it holds (never past about
// 2*max) and is released when it empties. Not safe for concurrent use.
type queue struct {
	buf  [][]byte
	head int
	max  int
}

func (q *queue) len() int { return len(q.buf) - q.head }

// push appends r and reports whether the oldest record was dropped for it.
func (q *queue) push(r []byte) (dropped bool) {
	if q.len() >= q.max {
		q.buf[q.head] = nil
		q.head++
		dropped = true
	}
	if len(q.buf) == cap(q.buf) && q.head > 0 {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, r)
	return dropped
}

// pop appends the n oldest records to dst and removes them.
func (q *queue) pop(dst [][]byte, n int) [][]byte {
	n = min(n, q.len())
	dst = append(dst, q.buf[q.head:q.head+n]...)
	clear(q.buf[q.head : q.head+n])
	q.head += n
	if q.len() == 0 {
		q.reset()
	}
	return dst
}

// reset empties the queue and releases a large backing array.
func (q *queue) reset() {
	clear(q.buf[q.head:])
	q.buf, q.head = q.buf[:0], 0
	if cap(q.buf) > 64 {
		q.buf = nil
	}
}

// seenSet remembers the hashes of up to limit records in two generations:
// when the current one holds limit/2, it becomes the old one and the
// previous old one is dropped. Safe for concurrent use.
type seenSet struct {
	mu       sync.Mutex
	cur, old map[[32]byte]struct{}
	half     int
}

func newSeenSet(limit int) *seenSet {
	return &seenSet{cur: map[[32]byte]struct{}{}, half: max(limit/2, 1)}
}

// add records h and reports whether it is new.
func (s *seenSet) add(h [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[h]; ok {
		return false
	}
	if _, ok := s.old[h]; ok {
		return false
	}
	if len(s.cur) >= s.half {
		s.old, s.cur = s.cur, make(map[[32]byte]struct{})
	}
	s.cur[h] = struct{}{}
	return true
}

// remove forgets h.
func (s *seenSet) remove(h [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cur, h)
	delete(s.old, h)
}

// len is the number of hashes held.
func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cur) + len(s.old)
}
