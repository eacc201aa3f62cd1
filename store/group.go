package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// groupMax bounds the writes one group commit carries.
const groupMax = 256

// groupTimeout bounds one group commit's transaction.
const groupTimeout = 30 * time.Second

// group commits concurrent writes together: each write runs inside a
// SAVEPOINT of one shared transaction (a write that fails rolls back its
// own changes only; later writes in the batch see the earlier ones, as if
// they ran one after another), the transaction commits once, durably,
// and only then does every write learn its outcome. One caller at a time
// leads: it runs the queued writes, then hands the lead to the oldest
// write still queued, so no caller serves others for ever. Writes queued
// with WriteLater ride first in the next batch. The zero value is
// unusable; db.group is set up by Open.
type group struct {
	db *DB

	mu      sync.Mutex
	queue   []*groupOp
	riders  []*groupOp
	active  bool // a leader is running
	closed  bool // DB.Close answered the riders; WriteLater refuses
	batches atomic.Uint64
}

type groupOp struct {
	fn    func(*sql.Tx) error
	err   error
	done  chan bool   // a waiting write's: false when err is final, true to lead
	later func(error) // a rider's: called with its outcome
}

// maxRiders is how many WriteLater writes may wait before their callers
// are told to FlushLater.
const maxRiders = 256

// WriteGrouped is Write for short writes that may share a durable commit
// with concurrent ones (see group). fn must not keep tx, must be
// deterministic given the database (it may run after the writes queued
// before it) and may be run inside a SAVEPOINT. Once queued, the write is
// carried out even if ctx ends before its batch runs; WriteGrouped then
// still waits for the outcome (at most one batch, bounded by its own
// timeout).
func (db *DB) WriteGrouped(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.closed.Load() {
		return ErrClosed
	}
	g := &db.group
	o := &groupOp{fn: fn, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, o)
	lead := !g.active
	g.active = true
	g.mu.Unlock()
	if !lead && !<-o.done {
		return o.err
	}
	g.runBatch(o)
	g.handOff()
	return o.err
}

// WriteLater queues fn to run first in the next grouped transaction,
// whoever writes it, without waiting: a write whose loss in a crash is
// harmless shares the commit of the next one that matters. done receives
// fn's outcome once that transaction committed or failed; it runs on the
// writing goroutine and must not write to db. WriteLater reports whether
// enough riders wait that the caller should FlushLater.
func (db *DB) WriteLater(fn func(*sql.Tx) error, done func(error)) bool {
	g := &db.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		safeLater(done, ErrClosed)
		return false
	}
	g.riders = append(g.riders, &groupOp{fn: fn, later: done})
	return len(g.riders) >= maxRiders
}

// LaterPending reports whether WriteLater writes wait for a transaction.
func (db *DB) LaterPending() bool {
	g := &db.group
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.riders) > 0
}

// FlushLater commits the WriteLater writes waiting, if any.
func (db *DB) FlushLater(ctx context.Context) error {
	if !db.LaterPending() {
		return nil
	}
	return db.WriteGrouped(ctx, func(*sql.Tx) error { return nil })
}

// runBatch takes the riders and up to groupMax queued writes (the
// leader's own, lead, among them), runs them in one transaction and
// answers all but the leader's.
func (g *group) runBatch(lead *groupOp) {
	g.mu.Lock()
	n := min(len(g.queue), groupMax)
	batch := append(g.riders, g.queue[:n]...)
	g.riders, g.queue = nil, append([]*groupOp(nil), g.queue[n:]...)
	g.mu.Unlock()
	g.commit(batch)
	g.batches.Add(1)
	for _, o := range batch {
		switch {
		case o == lead:
		case o.later != nil:
			safeLater(o.later, o.err)
		default:
			o.done <- false
		}
	}
}

// commit runs batch in one transaction and sets every write's err. A
// write whose failure took the whole transaction with it (SQLite rolls
// back everything when an interrupted statement, say one whose context
// ended, was writing) keeps its error and the others run again without it
// in a new transaction: one write's failure stays its own.
func (g *group) commit(batch []*groupOp) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	for pending := batch; len(pending) > 0; {
		bad := -1
		err := g.db.Write(ctx, func(tx *sql.Tx) error {
			if len(pending) == 1 { // alone: no savepoint needed
				pending[0].err = call(pending[0].fn, tx)
				return pending[0].err
			}
			var err error
			bad, err = runOps(ctx, tx, pending)
			return err
		})
		if bad >= 0 && ctx.Err() == nil {
			pending = append(pending[:bad:bad], pending[bad+1:]...)
			continue
		}
		for _, o := range pending {
			if err != nil && o.err == nil {
				o.err = err
			}
		}
		return
	}
}

// runOps runs each write in its own savepoint, setting its err. If a
// failed write leaves the transaction unusable (its savepoint cannot be
// rolled back to), runOps returns that write's index and an error; else
// -1 and the first error of the savepoint statements themselves.
func runOps(ctx context.Context, tx *sql.Tx, batch []*groupOp) (int, error) {
	for i, o := range batch {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT grouped`); err != nil {
			return -1, err
		}
		if o.err = call(o.fn, tx); o.err != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO grouped`); err != nil {
				return i, fmt.Errorf("store: group commit: %w", errors.Join(o.err, err))
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE grouped`); err != nil {
			return -1, err
		}
	}
	return -1, nil
}

// safeLater calls a rider's callback; a panic in it must not leave the
// writes after it unanswered.
func safeLater(done func(error), err error) {
	defer func() { _ = recover() }()
	done(err)
}

// closeRiders answers the riders still waiting with ErrClosed (DB.Close).
func (g *group) closeRiders() {
	g.mu.Lock()
	riders := g.riders
	g.riders, g.closed = nil, true
	g.mu.Unlock()
	for _, o := range riders {
		safeLater(o.later, ErrClosed)
	}
}

// handOff passes the lead to the oldest queued write, or ends it.
func (g *group) handOff() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.active = false
		return
	}
	g.queue[0].done <- true
}

// call runs fn, turning a panic into an error: a panicking write must not
// leave the writes batched with it waiting for ever.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: a grouped write panicked: %v", r)
		}
	}()
	return fn(tx)
}
