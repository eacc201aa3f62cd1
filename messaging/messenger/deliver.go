package messenger

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/onion/circapi"
)

// sendBatch bounds the outbox rows one sender pass reads.
const sendBatch = 64

// idleRecheck is how often the delivery loop looks at the outbox when
// nothing is due (it is also woken by every Send and receipt).
const idleRecheck = time.Minute

// deliverLoop starts a sender for every contact with outbox rows due, and
// expires unaccepted invitations.
func (m *Messenger) deliverLoop() {
	defer m.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.wake:
		case <-timer.C:
		}
		m.expireInvitations()
		next := m.dispatchDue()
		wait := idleRecheck
		if !next.IsZero() {
			wait = min(max(next.Sub(m.cfg.Now()), 10*time.Millisecond), idleRecheck)
		}
		timer.Reset(wait)
	}
}

// dispatchDue starts a sender for each contact with a row due now and
// returns when the next row falls due.
func (m *Messenger) dispatchDue() time.Time {
	var ids []ContactID
	var next time.Time
	err := m.cfg.DB.Read(m.ctx, func(tx *sql.Tx) error {
		var err error
		ids, next, err = dueContacts(m.ctx, tx, m.cfg.Now())
		return err
	})
	if err != nil {
		m.log.Warn("messenger: reading the outbox", "err", err)
		return m.cfg.Now().Add(time.Second)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if m.senders[id] || m.contacts[id] == nil {
			continue
		}
		m.senders[id] = true
		m.wg.Add(1)
		go m.sendContact(id)
	}
	return next
}

// sender deposits one contact's due outbox rows in order over a stream per
// mailbox, kept for the pass.
type sender struct {
	m       *Messenger
	id      ContactID
	streams map[int]*mailboxConn
}

type mailboxConn struct {
	cl    *mailbox.Client
	close func()
}

func (m *Messenger) sendContact(id ContactID) {
	s := &sender{m: m, id: id, streams: map[int]*mailboxConn{}}
	defer func() {
		for _, c := range s.streams {
			c.close()
		}
		m.mu.Lock()
		delete(m.senders, id)
		m.mu.Unlock()
		m.wg.Done()
		m.kick() // rows may have become due meanwhile
	}()
	for m.ctx.Err() == nil && s.pass() {
	}
}

// pass deposits what is due, in order; it reports whether it deposited
// anything (so another pass may find more).
func (s *sender) pass() bool {
	m := s.m
	var rows []outRow
	err := m.cfg.DB.Read(m.ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = pendingOut(m.ctx, tx, s.id, m.cfg.Now(), sendBatch)
		return err
	})
	if err != nil || len(rows) == 0 {
		return false
	}
	progressed := false
	for i := range rows {
		r := &rows[i]
		if r.NextTry.After(m.cfg.Now()) {
			if r.State == Queued {
				break // an earlier message waits: keep the order
			}
			continue
		}
		if !s.deposit(r) {
			return false
		}
		progressed = true
	}
	return progressed
}

// deposit sends one row to one of the contact's mailboxes and records the
// outcome; false means stop this pass.
func (s *sender) deposit(r *outRow) bool {
	m := s.m
	m.mu.Lock()
	c := m.contacts[s.id]
	idx := m.sticky[s.id]
	m.mu.Unlock()
	if c == nil || len(c.Theirs) == 0 {
		return false
	}
	// The mailbox that last worked, then the next one on each retry (a
	// re-deposit after a missing receipt, tries >= 1, goes elsewhere).
	idx = (idx + r.Tries) % len(c.Theirs)
	err := s.depositTo(idx, c, r.Envelope)
	now := m.cfg.Now()
	if err != nil {
		m.depositErrs.Add(1)
		m.log.Debug("messenger: deposit failed", "err", err)
		return s.retry(r, now)
	}
	m.deposits.Add(1)
	m.mu.Lock()
	m.sticky[s.id] = idx
	m.mu.Unlock()
	return s.deposited(r, now)
}

func (s *sender) depositTo(idx int, c *contact, env []byte) error {
	m := s.m
	conn := s.streams[idx]
	if conn == nil {
		ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
		defer cancel()
		addr := c.Theirs[idx]
		p := circapi.Purpose{Kind: "send", Key: c.ID.String() + "/" + strconv.Itoa(idx)}
		cl, closeFn, err := m.openMailbox(ctx, p, addr.Relay)
		if err != nil {
			return err
		}
		conn = &mailboxConn{cl: cl, close: closeFn}
		s.streams[idx] = conn
	}
	ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
	defer cancel()
	err := conn.cl.Deposit(ctx, mailbox.QueueID(c.Theirs[idx].Queue), env)
	if err != nil && !errors.Is(err, mailbox.ErrQueueFull) {
		conn.close()
		delete(s.streams, idx)
	}
	return err
}

// retry records a failed deposit: the row keeps its state and is tried
// again after a backoff, on the next mailbox.
func (s *sender) retry(r *outRow, now time.Time) bool {
	m := s.m
	r.Tries++
	r.NextTry = now.Add(backoff(m.cfg.MinBackoff, m.cfg.MaxBackoff, r.Tries))
	if now.Sub(r.Created) > m.cfg.GiveUp {
		r.State, r.Why = Failed, "no mailbox of the contact accepted it in time"
	}
	s.save(r)
	return false
}

// deposited records a successful deposit: texts and requests become Sent
// and are re-deposited if no receipt comes; receipts are done.
func (s *sender) deposited(r *outRow, now time.Time) bool {
	m := s.m
	prev := r.State
	r.Tries++
	switch {
	case r.Kind == kindReceipt:
		r.State, r.Sent, r.Delivered = Delivered, now, now
	case now.Sub(r.Created) > m.cfg.GiveUp:
		r.State, r.Why = Failed, "no receipt from the contact in time"
	default:
		if r.State == Queued {
			r.State, r.Sent = Sent, now
		}
		r.NextTry = now.Add(backoff(m.cfg.ResendAfter, 6*time.Hour, r.Tries))
	}
	if !s.save(r) {
		return false
	}
	if r.Kind == kindText && r.State != prev {
		m.mu.Lock()
		c := m.contacts[s.id]
		m.mu.Unlock()
		m.publishState(c, r, now.Sub(r.Created))
	}
	return true
}

func (s *sender) save(r *outRow) bool {
	err := s.m.cfg.DB.Write(s.m.ctx, func(tx *sql.Tx) error { return setOutState(s.m.ctx, tx, r) })
	if err != nil {
		s.m.log.Warn("messenger: recording a deposit", "err", err)
		return false
	}
	return true
}

// backoff is base·2^(tries−1), capped, with ±25 % jitter from the clock's
// nanoseconds (not secret; only spreads retries).
func backoff(base, cap time.Duration, tries int) time.Duration {
	d := base
	for i := 1; i < tries && d < cap; i++ {
		d *= 2
	}
	d = min(d, cap)
	j := time.Duration(time.Now().UnixNano()) % (d/2 + 1)
	return d - d/4 + j
}
