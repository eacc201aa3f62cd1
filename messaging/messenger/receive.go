package messenger

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/invite"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/ratchet"
	"github.com/warrennet/warren/onion/circapi"
)

// fetchBatch bounds the messages one fetch asks for.
const fetchBatch = 32

// notYetPause is how long a fetcher waits before fetching again when its
// queue holds a message it cannot process yet (a message overtaking the
// contact request it depends on).
const notYetPause = 2 * time.Second

// startFetchersLocked starts a fetcher for each of c's queues that has
// none. m.mu is held.
func (m *Messenger) startFetchersLocked(c *contact) {
	if m.ctx.Err() != nil {
		return
	}
	for _, q := range c.Mine {
		k := mailboxQueueKey{relay: q.Relay, queue: q.Queue}
		if m.fetchers[k] != nil {
			continue
		}
		ctx, cancel := context.WithCancel(m.ctx)
		m.fetchers[k] = cancel
		m.wg.Add(1)
		go m.fetchLoop(ctx, c.ID, q)
	}
}

// stopFetchersLocked stops c's fetchers. m.mu is held.
func (m *Messenger) stopFetchersLocked(c *contact) {
	for _, q := range c.Mine {
		k := mailboxQueueKey{relay: q.Relay, queue: q.Queue}
		if cancel := m.fetchers[k]; cancel != nil {
			cancel()
			delete(m.fetchers, k)
		}
	}
}

// fetchLoop long-polls one of our queues through a circuit of its own,
// processes what arrives and acknowledges it, reconnecting with backoff.
func (m *Messenger) fetchLoop(ctx context.Context, id ContactID, q myQueue) {
	defer m.wg.Done()
	p := circapi.Purpose{Kind: "fetch", Key: hex.EncodeToString(q.Queue[:])}
	tries := 0
	for ctx.Err() == nil {
		worked, err := m.fetchSession(ctx, id, q, p)
		if ctx.Err() != nil {
			return
		}
		m.fetchErrs.Add(1)
		if worked {
			tries = 0 // the backoff grows only over failures in a row
		}
		tries++
		m.log.Debug("messenger: fetching failed", "err", err)
		sleep(ctx, backoff(m.cfg.MinBackoff, m.cfg.MaxBackoff, tries))
	}
}

// callMargin is how much longer than the long poll a mailbox may take to
// answer before the stream is given up (streams have no deadlines).
const callMargin = 30 * time.Second

// fetchSession fetches over one stream until an error; worked says
// whether at least one fetch succeeded.
func (m *Messenger) fetchSession(ctx context.Context, id ContactID, q myQueue, p circapi.Purpose) (worked bool, err error) {
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	cl, closeFn, err := m.openMailbox(octx, p, q.Relay)
	cancel()
	if err != nil {
		return false, err
	}
	defer closeFn()
	var ack []mailbox.MsgID // processed, acknowledged with the next fetch
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, m.cfg.FetchWait+callMargin)
		msgs, err := cl.FetchAck(cctx, q.Queue, q.Secret, ack, m.cfg.FetchWait, fetchBatch)
		cancel()
		if err != nil {
			return worked, err
		}
		worked = true
		var notYet bool
		ack, notYet = m.process(ctx, id, msgs)
		if notYet {
			sleep(ctx, notYetPause)
		}
	}
	return worked, ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// inbound is one batch's processing for one contact: the contact's next
// state, the session, and what to write and announce.
type inbound struct {
	m        *Messenger
	c        *contact
	sess     *ratchet.Session
	receipts []MsgID
	events   []Event
	acks     []mailbox.MsgID
	textID   *MsgID // the text the message being handled carried
	heard    bool   // a message from the contact decrypted: our request reached it
	payments []envelope.Payment
	kick     bool
	notYet   bool
}

// process handles fetched messages for contact id in one transaction and
// returns the mailbox IDs to acknowledge (those now durably processed or
// deliberately dropped). A message that cannot be processed yet is left
// in the mailbox.
func (m *Messenger) process(ctx context.Context, id ContactID, msgs []mailbox.Message) ([]mailbox.MsgID, bool) {
	if len(msgs) == 0 {
		return nil, false
	}
	c, unlock, err := m.lockContact(id)
	if err != nil {
		return nil, false // contact deleted: its fetchers stop
	}
	defer unlock()
	in := &inbound{m: m, c: c.clone()}
	defer in.close()
	err = m.cfg.DB.WriteGrouped(ctx, func(tx *sql.Tx) (err error) {
		// A bug on this path must not let a received message stop the
		// daemon: the batch is rolled back and tried again later.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("messenger: internal error processing a batch: %v", r)
			}
		}()
		in.acks, in.receipts, in.events, in.notYet, in.heard, in.payments = nil, nil, nil, false, false, nil
		in.c = c.clone()
		in.closeSession()
		return in.run(ctx, tx, msgs)
	})
	if err != nil {
		m.log.Error("messenger: storing received messages", "err", err)
		return nil, true // pause before fetching the same batch again
	}
	m.commitContact(in.c)
	in.sess = nil // the contact's state owns it now
	for _, e := range in.events {
		m.events.publish(e)
	}
	m.deliverPayments(ctx, in.c, in.payments)
	if in.kick {
		m.kickContact(id)
	}
	return in.acks, in.notYet
}

func (in *inbound) close() { in.closeSession() }

func (in *inbound) closeSession() {
	if in.sess != nil {
		in.sess.Close()
		in.sess = nil
	}
}

func (in *inbound) run(ctx context.Context, tx *sql.Tx, msgs []mailbox.Message) error {
	for _, msg := range msgs {
		if err := in.one(ctx, tx, msg); err != nil {
			return err
		}
	}
	if err := in.queueReceipts(ctx, tx); err != nil {
		return err
	}
	if in.heard {
		if err := requestAnswered(ctx, tx, in.c.ID, in.m.cfg.Now()); err != nil {
			return err
		}
	}
	return in.saveContact(ctx, tx)
}

// one processes a single message; only storage errors are returned.
func (in *inbound) one(ctx context.Context, tx *sql.Tx, msg mailbox.Message) error {
	mid := MsgID(msg.ID)
	seen, err := isSeen(ctx, tx, mid)
	if err != nil {
		return err
	}
	if seen != nil {
		return in.copyOf(ctx, tx, mid, msg.ID, seen)
	}
	in.textID = nil
	err = in.handle(ctx, tx, mid, msg.Envelope)
	switch {
	case errors.Is(err, errNotYet):
		in.notYet = true
		return nil
	case err != nil && !isDrop(err):
		return err
	case err != nil:
		// Not remembered as seen: a copy fails again, at the cost of a
		// decryption, and garbage leaves no row behind.
		in.m.dropped.Add(1)
		in.m.log.Debug("messenger: dropped a message", "err", err)
		in.acks = append(in.acks, msg.ID)
		return nil
	}
	in.acks = append(in.acks, msg.ID)
	return markSeen(ctx, tx, mid, in.textID, in.m.cfg.Now())
}

// reReceiptGap is how often a copy of one processed text is answered with
// a receipt again: a mailbox that replays a text cannot make us write and
// send a receipt per replay.
const reReceiptGap = time.Minute

// copyOf handles a copy of a processed message: acknowledged, and, if it
// carried a text, answered with a receipt again (its receipt may be lost).
func (in *inbound) copyOf(ctx context.Context, tx *sql.Tx, mid MsgID, ack mailbox.MsgID, seen *seenRow) error {
	in.m.duplicates.Add(1)
	in.acks = append(in.acks, ack)
	now := in.m.cfg.Now()
	if seen.Text == nil || now.Sub(seen.At) < reReceiptGap || in.c.State != Active {
		return nil
	}
	in.receipts = append(in.receipts, *seen.Text)
	return touchSeen(ctx, tx, mid, now)
}

// dropErr marks a message that is bad rather than a local failure.
type dropErr struct{ err error }

func (e dropErr) Error() string { return e.err.Error() }
func (e dropErr) Unwrap() error { return e.err }

func isDrop(err error) bool { var d dropErr; return errors.As(err, &d) }

func (in *inbound) handle(ctx context.Context, tx *sql.Tx, mid MsgID, env []byte) error {
	if in.c.State == Invited {
		return in.acceptRequest(mid, env)
	}
	if err := in.openSession(); err != nil {
		return err
	}
	p, err := decryptPayload(in.sess, env)
	if err != nil {
		return dropErr{err}
	}
	in.heard = true
	switch p := p.(type) {
	case envelope.Text:
		return in.text(ctx, tx, p)
	case envelope.Receipt:
		return in.receipt(ctx, tx, p)
	case envelope.Payment:
		id := MsgID(p.ID)
		in.textID = &id // a copy is answered with a receipt again
		in.receipts = append(in.receipts, id)
		in.payments = append(in.payments, p)
		return nil
	default:
		return nil // a repeated Hello or a kind this version ignores
	}
}

func (in *inbound) openSession() error {
	if in.sess != nil {
		return nil
	}
	s, err := in.m.workingSession(in.c)
	if err != nil {
		return err
	}
	in.sess = s
	return nil
}

// acceptRequest turns an Invited contact Active from its contact request.
func (in *inbound) acceptRequest(mid MsgID, env []byte) error {
	init, first, err := invite.OpenRequest(in.c.InviteKey, env)
	if err != nil {
		return errNotYet // not the request: perhaps a message overtaking it
	}
	keys, err := ratchet.ParseInviteKeys(in.c.InviteKeys)
	if err != nil {
		return err
	}
	defer keys.Close()
	sess, err := ratchet.Respond(keys, init, in.m.cfg.Rand)
	if err != nil {
		return dropErr{err}
	}
	p, err := decryptPayload(sess, first)
	hello, ok := p.(envelope.Hello)
	if err != nil || !ok {
		sess.Close()
		return dropErr{errors.New("messenger: contact request without a valid hello")}
	}
	in.sess = sess
	c := in.c
	c.State, c.Theirs, c.InviteKeys, c.InviteKey, c.NextSeq = Active, hello.Queues, nil, [32]byte{}, 1
	if c.Name == "" {
		c.Name = hello.Name
	}
	c.Expires = time.Time{}
	in.receipts = append(in.receipts, mid)
	in.events = append(in.events, Event{Kind: "contact", Time: in.m.cfg.Now(), Contact: c.ID.String(), Name: c.Name, State: Active.String()})
	return nil
}

func (in *inbound) text(ctx context.Context, tx *sql.Tx, t envelope.Text) error {
	now := in.m.cfg.Now()
	id := MsgID(t.ID)
	in.textID = &id
	body, err := in.m.cfg.Vault.SealRow(inLabel(id), t.Body)
	if err != nil {
		return err
	}
	r := &inRow{ID: id, Contact: in.c.ID, Seq: t.Seq, Sent: time.UnixMilli(t.Sent), Received: now, Body: body}
	fresh, err := insertIn(ctx, tx, r)
	if err != nil {
		return err
	}
	in.receipts = append(in.receipts, id) // a lost receipt is re-sent for a re-sent message
	if !fresh {
		in.m.duplicates.Add(1)
		return nil
	}
	in.m.received.Add(1)
	in.events = append(in.events, Event{Kind: "message", Time: now, Contact: in.c.ID.String(), Name: in.c.Name,
		ID: id.String(), Seq: t.Seq, Body: string(t.Body), Sent: r.Sent, Latency: ms(now.Sub(r.Sent))})
	return nil
}

func (in *inbound) receipt(ctx context.Context, tx *sql.Tx, rc envelope.Receipt) error {
	ids := make([]MsgID, len(rc.IDs))
	for i, id := range rc.IDs {
		ids[i] = MsgID(id)
	}
	changed, err := markDelivered(ctx, tx, in.c.ID, ids, in.m.cfg.Now())
	if err != nil {
		return err
	}
	for i := range changed {
		if shown(changed[i].Kind) {
			in.events = append(in.events, in.m.stateEvent(in.c, &changed[i], changed[i].Delivered.Sub(changed[i].Created)))
		}
	}
	return nil
}

// queueReceipts writes one receipt row per 64 acknowledged IDs.
func (in *inbound) queueReceipts(ctx context.Context, tx *sql.Tx) error {
	if len(in.receipts) == 0 || in.c.State != Active {
		return nil
	}
	if err := in.openSession(); err != nil { // a batch of copies only: not opened yet
		return err
	}
	for len(in.receipts) > 0 {
		n := min(len(in.receipts), envelope.MaxReceiptIDs)
		var ids [][16]byte
		for _, id := range in.receipts[:n] {
			ids = append(ids, id)
		}
		in.receipts = in.receipts[n:]
		env, err := encryptPayload(in.sess, envelope.Receipt{IDs: ids})
		if err != nil {
			return err
		}
		rid, err := in.m.randID()
		if err != nil {
			return err
		}
		now := in.m.cfg.Now()
		r := &outRow{ID: rid, Contact: in.c.ID, Kind: kindReceipt, Envelope: env, State: Queued, Created: now, NextTry: now}
		if err := insertOut(ctx, tx, r); err != nil {
			return err
		}
		in.kick = true
	}
	return nil
}

func (in *inbound) saveContact(ctx context.Context, tx *sql.Tx) error {
	if in.sess != nil {
		b, err := in.sess.MarshalBinary()
		if err != nil {
			return err
		}
		in.c.Session, in.c.sess = b, in.sess
	}
	sealed, err := in.m.sealContact(in.c)
	if err != nil {
		return err
	}
	return updateContact(ctx, tx, in.c.ID, sealed)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
