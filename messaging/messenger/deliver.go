package messenger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
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
		m.pruneSeen()
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
	for _, id := range ids {
		m.kickContact(id)
	}
	return next
}

// senderState: a contact's sender runs; again asks it for one more pass
// (rows were added while it ran), and so does a signal on wake (buffered,
// 1) to a sender waiting in settle.
type senderState struct {
	again bool
	wake  chan struct{}
}

// kickContact makes a sender pass over the contact's outbox: it starts
// one, or asks the running one for another pass.
func (m *Messenger) kickContact(id ContactID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.contacts[id] == nil || m.ctx.Err() != nil {
		return
	}
	if st := m.senders[id]; st != nil {
		st.again = true
		select {
		case st.wake <- struct{}{}:
		default:
		}
		return
	}
	st := &senderState{wake: make(chan struct{}, 1)}
	m.senders[id] = st
	m.wg.Add(1)
	go m.sendContact(id, st)
}

// senderDone ends a sender unless another pass was asked for.
func (m *Messenger) senderDone(id ContactID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.senders[id]; st != nil && st.again && m.ctx.Err() == nil {
		st.again = false
		return false
	}
	delete(m.senders, id)
	return true
}

// sender deposits one contact's due outbox rows in order over a stream per
// mailbox, kept for the pass.
type sender struct {
	m       *Messenger
	id      ContactID
	st      *senderState
	streams map[int]*mailboxConn
	waited  bool // the due rows, all receipts, waited receiptDelay
}

type mailboxConn struct {
	cl    *mailbox.Client
	close func()
}

func (m *Messenger) sendContact(id ContactID, st *senderState) {
	s := &sender{m: m, id: id, st: st, streams: map[int]*mailboxConn{}}
	defer func() {
		if r := recover(); r != nil { // a bug here must not stop the daemon
			m.log.Error("messenger: internal error in a sender", "err", fmt.Sprint(r))
			m.mu.Lock()
			delete(m.senders, id) // the next kick starts a new one
			m.mu.Unlock()
		}
		for _, c := range s.streams {
			c.close()
		}
		m.wg.Done()
		m.kick() // the delivery loop re-arms its timer for retries set meanwhile
	}()
	for {
		for m.ctx.Err() == nil && s.pass() {
		}
		if m.senderDone(id) {
			return
		}
	}
}

// pass deposits what is due, in order, pipelined to one mailbox; it
// reports whether it deposited anything (so another pass may find more).
func (s *sender) pass() bool {
	m := s.m
	var rows []outRow
	now := m.cfg.Now()
	// The rows deposited whose record has not committed yet, taken
	// before the read: one whose record commits meanwhile is read in its
	// new state or skipped, never deposited twice.
	m.mu.Lock()
	unsaved := maps.Clone(m.unsaved)
	m.mu.Unlock()
	err := m.cfg.DB.Read(m.ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = pendingOut(m.ctx, tx, s.id, now, sendBatch)
		return err
	})
	if err != nil {
		return false
	}
	due := rows[:0]
	for _, r := range rows {
		if _, ok := unsaved[r.N]; ok {
			continue // deposited; its record rides on the next write
		}
		if r.NextTry.After(now) {
			break // a queued message backs off: keep the order
		}
		due = append(due, r)
	}
	if len(due) == 0 {
		return s.settle()
	}
	if wait := receiptWait(due, now); wait > 0 && !s.waited {
		s.waited = true    // once: a clock that stands still cannot hold receipts back
		sleep(m.ctx, wait) // let the receipts of the next batches join
		return true
	}
	s.waited = false
	return s.depositBatch(due)
}

// receiptDelay is how long a receipt waits for others to join it when
// nothing else is due for its contact: a busy recipient deposits the
// receipts of several received batches in one pipelined run (one
// mailbox commit), and the contact fetches them together.
const receiptDelay = 25 * time.Millisecond

// receiptWait is how long to wait before depositing rows: while they are
// all receipts and the oldest is younger than receiptDelay, until it is
// not.
func receiptWait(rows []outRow, now time.Time) time.Duration {
	for _, r := range rows {
		if r.Kind != kindReceipt {
			return 0
		}
	}
	return rows[0].Created.Add(receiptDelay).Sub(now)
}

// depositBatch deposits rows to one of the contact's mailboxes and
// records the outcome of each in one transaction; false means stop.
func (s *sender) depositBatch(rows []outRow) bool {
	m := s.m
	m.mu.Lock()
	c := m.contacts[s.id]
	sticky := m.sticky[s.id]
	m.mu.Unlock()
	if c == nil || len(c.Theirs) == 0 {
		return false
	}
	// The mailbox that last worked, then the next one on each retry (a
	// re-deposit after a missing receipt, tries >= 1, goes elsewhere).
	idx := (sticky + rows[0].Tries) % len(c.Theirs)
	if !s.m.refresh(rows) {
		return false
	}
	envs := make([][]byte, len(rows))
	for i := range rows {
		envs[i] = rows[i].Envelope
	}
	n, err := s.depositTo(idx, c, envs)
	if err != nil && n == len(rows) {
		err = nil // every row was stored; the error came after
	}
	if err == nil {
		m.mu.Lock()
		m.sticky[s.id] = idx
		m.mu.Unlock()
	}
	return s.record(c, rows, n, err) && err == nil
}

// record saves the outcome of a deposit run in one transaction: rows[:n]
// were stored, rows[n] failed with err (if err is not nil), the rest were
// not tried. It announces the texts whose state changed. A run without
// failure is saved by the next write (saveLater).
func (s *sender) record(c *contact, rows []outRow, n int, err error) bool {
	m := s.m
	now := m.cfg.Now()
	m.deposits.Add(uint64(n))
	var changed []*outRow
	for i := range rows[:n] {
		if s.deposited(&rows[i], now) {
			changed = append(changed, &rows[i])
		}
	}
	done := rows[:n]
	if err != nil {
		m.depositErrs.Add(1)
		m.log.Debug("messenger: deposit failed", "err", err)
		if s.retry(&rows[n], now); rows[n].State == Failed && shown(rows[n].Kind) {
			changed = append(changed, &rows[n])
		}
		done = rows[:n+1]
	}
	if err == nil {
		s.saveLater(done)
	} else if !s.save(done) { // at once: the failed row's backoff keeps the order
		return false
	}
	for _, r := range changed {
		m.publishState(c, r, now.Sub(r.Created))
	}
	return true
}

func (s *sender) depositTo(idx int, c *contact, envs [][]byte) (int, error) {
	m := s.m
	conn := s.streams[idx]
	if conn == nil {
		ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
		defer cancel()
		addr := c.Theirs[idx]
		p := circapi.Purpose{Kind: "send", Key: c.ID.String() + "/" + strconv.Itoa(idx)}
		cl, closeFn, err := m.openMailbox(ctx, p, addr.Relay)
		if err != nil {
			return 0, err
		}
		conn = &mailboxConn{cl: cl, close: closeFn}
		s.streams[idx] = conn
	}
	ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
	defer cancel()
	n, err := conn.cl.DepositMany(ctx, mailbox.QueueID(c.Theirs[idx].Queue), envs)
	if err != nil && !errors.Is(err, mailbox.ErrQueueFull) && !errors.Is(err, mailbox.ErrMailboxFull) {
		conn.close()
		delete(s.streams, idx)
	}
	return n, err
}

// retry records a failed deposit: the row keeps its state and is tried
// again after a backoff, on the next mailbox.
func (s *sender) retry(r *outRow, now time.Time) {
	m := s.m
	r.Tries++
	r.NextTry = now.Add(backoff(m.cfg.MinBackoff, m.cfg.MaxBackoff, r.Tries))
	if now.Sub(r.Created) > m.cfg.GiveUp {
		r.State, r.Why = Failed, "no mailbox of the contact accepted it in time"
	}
}

// deposited records a successful deposit: texts and requests become Sent
// and are re-deposited if no receipt comes; receipts are done. It reports
// whether a text's state changed (to announce).
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
	return shown(r.Kind) && r.State != prev
}

// save records rows' new states in one transaction.
func (s *sender) save(rows []outRow) bool {
	err := s.m.cfg.DB.WriteGrouped(s.m.ctx, func(tx *sql.Tx) error { return saveRows(s.m.ctx, tx, rows) })
	if err != nil {
		s.m.log.Warn("messenger: recording deposits", "err", err)
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

// refresh encrypts anew the texts about to be re-deposited (no receipt
// came: the first copy, or its receipt, was lost). A new envelope with
// the same text ID gets past the mailbox's memory of the old one (it
// answers an acknowledged envelope's copy without storing it); the
// recipient keeps the text once by its ID and answers with a receipt.
func (m *Messenger) refresh(rows []outRow) bool {
	for i := range rows {
		r := &rows[i]
		if !shown(r.Kind) || r.was != Sent {
			continue
		}
		if err := m.reencrypt(r); err != nil {
			m.log.Warn("messenger: preparing a re-send", "err", err)
			return false
		}
	}
	return true
}

func (m *Messenger) reencrypt(r *outRow) error {
	c, unlock, err := m.lockContact(r.Contact)
	if err != nil {
		return err
	}
	defer unlock()
	sealed, err := m.cfg.Vault.OpenRow(outLabel(r.ID), r.Body)
	if err != nil {
		return err
	}
	defer clear(sealed)
	seq, text, err := parseOutBody(sealed)
	if err != nil {
		return err
	}
	nc := c.clone()
	if nc.sess, err = m.workingSession(c); err != nil {
		return err
	}
	var p envelope.Payload = envelope.Text{ID: r.ID, Seq: seq, Sent: r.Created.UnixMilli(), Body: text}
	if r.Kind == kindPayment {
		p = envelope.Payment{ID: r.ID, Cert: text}
	}
	env, err := m.storeReencrypted(nc, r, p)
	if err != nil {
		nc.sess.Close()
		return err
	}
	m.commitContact(nc)
	r.Envelope = env
	return nil
}

// storeReencrypted encrypts p with nc's working session and stores the
// new envelope and state in one transaction.
func (m *Messenger) storeReencrypted(nc *contact, r *outRow, p envelope.Payload) ([]byte, error) {
	env, err := encryptPayload(nc.sess, p)
	if err != nil {
		return nil, err
	}
	if nc.Session, err = nc.sess.MarshalBinary(); err != nil {
		return nil, err
	}
	sealed, err := m.sealContact(nc)
	if err != nil {
		return nil, err
	}
	err = m.cfg.DB.WriteGrouped(m.ctx, func(tx *sql.Tx) error {
		if err := updateContact(m.ctx, tx, nc.ID, sealed); err != nil {
			return err
		}
		return setOutEnvelope(m.ctx, tx, r.N, env)
	})
	return env, err
}
