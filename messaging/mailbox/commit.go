package mailbox

import (
	"errors"
	"sync"

	"github.com/warrennet/warren/store"
)

// op is one storage change waiting for the committer: a deposit, or (ack
// not nil) an acknowledgement.
type op struct {
	dep store.MailboxDeposit
	ack *store.MailboxAcks
	res chan opRes // buffered, 1
}

type opRes struct {
	r   store.DepositResult // of a deposit
	err error
}

var errClosed = errors.New("mailbox: server closed")

// committer is the queue of ops waiting for the next transaction. Safe for
// concurrent use. Its length is bounded by the streams being served: each
// has at most maxPipelined ops in it.
type committer struct {
	mu     sync.Mutex
	q      []*op
	closed bool
	wake   chan struct{} // capacity 1: the queue is not empty
	room   chan struct{} // a token per deposit queued or committing (maxQueued)
}

func newCommitter() *committer {
	return &committer{wake: make(chan struct{}, 1), room: make(chan struct{}, maxQueued)}
}

// submit hands o to the committer without waiting for it; errClosed once
// the server closed.
func (s *Server) submit(o *op) (*op, error) {
	c := s.cq
	if o.ack == nil { // a deposit waits for room; acks are small
		select {
		case c.room <- struct{}{}:
		case <-s.ctx.Done():
			return nil, errClosed
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		c.release(o)
		return nil, errClosed
	}
	o.res = make(chan opRes, 1)
	c.q = append(c.q, o)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return o, nil
}

// commit hands o to the committer and waits until it is durable (or
// refused). Ops arriving together share one transaction and fsync.
func (s *Server) commit(o *op) (store.DepositResult, error) {
	o, err := s.submit(o)
	if err != nil {
		return 0, err
	}
	return o.wait()
}

// wait returns the committer's answer. The committer answers every op it
// queued (its store call is bounded by StoreTimeout and Close; at Close it
// refuses what is left), and may read the op until it does.
func (o *op) wait() (store.DepositResult, error) {
	res := <-o.res
	return res.r, res.err
}

// take removes up to maxBatch ops from the queue: every ack queued
// first (an owner's ack must not wait behind a flood of anonymous
// deposits), then deposits, oldest first.
func (c *committer) take() []*op {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := make([]*op, 0, min(len(c.q), maxBatch))
	rest := c.q[:0]
	for _, o := range c.q {
		if o.ack != nil && len(batch) < maxBatch {
			batch = append(batch, o)
		} else {
			rest = append(rest, o)
		}
	}
	n := min(len(rest), maxBatch-len(batch))
	batch = append(batch, rest[:n]...)
	c.q = append([]*op(nil), rest[n:]...)
	if len(c.q) == 0 {
		c.q = nil // let the old array go
	} else {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return batch
}

// shut refuses every op still queued and every later submit.
func (c *committer) shut() {
	c.mu.Lock()
	c.closed = true
	left := c.q
	c.q = nil
	c.mu.Unlock()
	for _, o := range left {
		c.release(o)
		o.res <- opRes{err: errClosed}
	}
}

// release frees a deposit's room once it is answered.
func (c *committer) release(o *op) {
	if o.ack == nil {
		<-c.room
	}
}

// commitLoop is the committer: it takes every op queued (up to maxBatch)
// and commits them together, acks first.
func (s *Server) commitLoop() {
	defer s.workers.Done()
	defer s.cq.shut()
	for {
		select {
		case <-s.cq.wake:
		case <-s.ctx.Done():
			return
		}
		if batch := s.cq.take(); len(batch) > 0 {
			s.commitBatch(batch)
		}
	}
}

func (s *Server) commitBatch(batch []*op) {
	var deps []store.MailboxDeposit
	var acks []store.MailboxAcks
	for _, o := range batch {
		if o.ack != nil {
			acks = append(acks, *o.ack)
		} else {
			deps = append(deps, o.dep)
		}
	}
	ctx, cancel := s.storeCtx()
	defer cancel()
	rs, ackErrs, err := s.cfg.DB.MailboxCommit(ctx, acks, deps, s.cfg.limits())
	for _, o := range batch {
		res := opRes{err: err}
		if err == nil && o.ack != nil {
			res.err, ackErrs = ackErrs[0], ackErrs[1:]
		} else if err == nil {
			res.r, rs = rs[0], rs[1:]
		}
		s.cq.release(o)
		o.res <- res
	}
}
