package circuit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/onion/cell"
)

var cellPool = sync.Pool{New: func() any { return new(cell.Cell) }}

func getCell() *cell.Cell  { return cellPool.Get().(*cell.Cell) }
func putCell(c *cell.Cell) { cellPool.Put(c) }

// queue holds the cells one circuit waits to send on one channel. It is
// guarded by its channel's qmu.
type queue struct {
	ch    *channel
	owner victim
	cells []*cell.Cell // ring
	times []int64      // enqueue time of each cell (unix nanos), for the OOM policy
	head  int
	n     int
	limit int
	// active reports whether the queue is on its channel's active list.
	active bool
	closed bool
}

// victim is what the out-of-memory policy destroys.
type victim interface {
	destroy(reason cell.Reason)
}

func newQueue(ch *channel, owner victim, limit int) *queue {
	return &queue{ch: ch, owner: owner, limit: limit}
}

// pushLocked appends c; it reports false when the queue is full (the peer
// ignored flow control) or closed. On false the caller keeps c.
func (q *queue) pushLocked(c *cell.Cell, now int64) bool {
	if q.closed || q.n >= q.limit {
		return false
	}
	if q.n == len(q.cells) {
		q.grow()
	}
	i := (q.head + q.n) % len(q.cells)
	q.cells[i], q.times[i] = c, now
	q.n++
	return true
}

func (q *queue) grow() {
	size := max(8, 2*len(q.cells))
	size = min(size, q.limit)
	cells, times := make([]*cell.Cell, size), make([]int64, size)
	for i := range q.n {
		j := (q.head + i) % len(q.cells)
		cells[i], times[i] = q.cells[j], q.times[j]
	}
	q.cells, q.times, q.head = cells, times, 0
}

func (q *queue) popLocked() *cell.Cell {
	c := q.cells[q.head]
	q.cells[q.head] = nil
	q.head = (q.head + 1) % len(q.cells)
	q.n--
	return c
}

// oldestLocked returns the enqueue time of the head cell, or 0.
func (q *queue) oldestLocked() int64 {
	if q.n == 0 {
		return 0
	}
	return q.times[q.head]
}

// drainLocked closes q and returns its cells' count after freeing them.
func (q *queue) drainLocked() int {
	n := q.n
	for q.n > 0 {
		putCell(q.popLocked())
	}
	q.closed = true
	return n
}

// budget counts the cells queued on every channel of a node.
type budget struct {
	n   atomic.Int64
	max int64
}

func (b *budget) add(n int) bool { return b.n.Add(int64(n)) <= b.max }
func (b *budget) sub(n int)      { b.n.Add(-int64(n)) }

// now is a cheap monotonic clock for queue ages.
var clockBase = time.Now()

func monoNow() int64 { return int64(time.Since(clockBase)) }
