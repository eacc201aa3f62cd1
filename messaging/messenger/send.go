package messenger

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

// MaxText bounds one message's text in bytes (what fits the largest
// envelope).
const MaxText = 15000

// Send encrypts text for the contact named by ref (its name or ID) and
// writes it to the outbox, durably, before returning: from then on the
// message is "queued" and will be delivered, across restarts, until the
// contact's receipt arrives or it fails. Concurrent Sends to one contact
// are written in one transaction (one fsync for the lot), in the order
// they took their turn.
func (m *Messenger) Send(ctx context.Context, ref string, text []byte) (OutboxItem, error) {
	if len(text) > MaxText {
		return OutboxItem{}, ErrTooLong
	}
	if !utf8.Valid(text) {
		return OutboxItem{}, fmt.Errorf("messenger: the message is not valid UTF-8")
	}
	id, err := m.resolve(ref)
	if err != nil {
		return OutboxItem{}, err
	}
	req := &sendReq{text: text}
	m.mu.Lock()
	m.pending[id] = append(m.pending[id], req)
	m.mu.Unlock()
	c, unlock, err := m.lockContact(id)
	if err != nil {
		m.dropPending(id, req)
		return OutboxItem{}, err
	}
	defer unlock()
	if !req.done { // nobody took it yet: take every waiting Send
		m.mu.Lock()
		batch := m.pending[id]
		delete(m.pending, id)
		m.mu.Unlock()
		m.sendBatch(c, batch)
	}
	return req.item, req.err
}

// sendReq is one Send waiting for its contact's turn. done, item and err
// are written and read with the contact's lock held.
type sendReq struct {
	text []byte
	done bool
	item OutboxItem
	err  error
}

func (m *Messenger) dropPending(id ContactID, req *sendReq) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[id] = slices.DeleteFunc(m.pending[id], func(r *sendReq) bool { return r == req })
}

// sendBatch encrypts the batch's texts in order and stores them with the
// contact's new ratchet state in one transaction.
func (m *Messenger) sendBatch(c *contact, batch []*sendReq) {
	finish := func(err error) {
		for _, r := range batch {
			r.done = true
			if r.err == nil {
				r.err = err
			}
		}
	}
	if c.State != Active {
		finish(ErrNotActive)
		return
	}
	rows, nc, err := m.sealTexts(c, batch)
	if err == nil {
		err = m.storeBatch(nc, rows)
	}
	if err != nil {
		nc.sess.Close()
		finish(fmt.Errorf("messenger: queueing the message: %w", err))
		return
	}
	m.commitContact(nc)
	for i, r := range batch {
		m.publishState(nc, rows[i], 0)
		r.item, r.done = m.outItem(nc, rows[i], r.text), true
	}
	m.kickContact(nc.ID)
}

// sealTexts encrypts the batch's texts in order on a working copy of the
// session and returns their outbox rows and the contact's next state
// (which owns the working session).
func (m *Messenger) sealTexts(c *contact, batch []*sendReq) ([]*outRow, *contact, error) {
	nc := c.clone()
	sess, err := m.workingSession(c)
	if err != nil {
		return nil, nc, err
	}
	nc.sess = sess
	rows := make([]*outRow, len(batch))
	for i, r := range batch {
		if rows[i], err = m.sealText(nc, sess, r.text); err != nil {
			return nil, nc, err
		}
		nc.NextSeq++
	}
	nc.Session, err = sess.MarshalBinary()
	return rows, nc, err
}

// sealText encrypts one new Text for c with sess and returns its row.
func (m *Messenger) sealText(c *contact, sess *ratchet.Session, text []byte) (*outRow, error) {
	id, err := m.randID()
	if err != nil {
		return nil, err
	}
	now := m.cfg.Now()
	env, err := encryptPayload(sess, envelope.Text{ID: id, Seq: c.NextSeq, Sent: now.UnixMilli(), Body: text})
	if err != nil {
		return nil, err
	}
	row := &outRow{ID: id, Contact: c.ID, Kind: kindText, Envelope: env, State: Queued, Created: now, NextTry: now}
	if row.Body, err = m.cfg.Vault.SealRow(outLabel(id), outBody(c.NextSeq, text)); err != nil {
		return nil, err
	}
	return row, nil
}

// outBody is what an outbox row keeps, sealed, of a text: its sequence
// number and its text (enough to encrypt it again for a re-send).
func outBody(seq uint64, text []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, seq), text...)
}

// parseOutBody reverses outBody.
func parseOutBody(b []byte) (uint64, []byte, error) {
	if len(b) < 8 {
		return 0, nil, errors.New("messenger: outbox row: malformed body")
	}
	return binary.BigEndian.Uint64(b), b[8:], nil
}

func outLabel(id MsgID) string { return "outbox/" + id.String() }
func inLabel(id MsgID) string  { return "inbox/" + id.String() }

// storeBatch writes the contact's new state and the batch's rows in one
// transaction.
func (m *Messenger) storeBatch(nc *contact, rows []*outRow) error {
	sealed, err := m.sealContact(nc)
	if err != nil {
		return err
	}
	return m.cfg.DB.WriteGrouped(m.ctx, func(tx *sql.Tx) error {
		if err := updateContact(m.ctx, tx, nc.ID, sealed); err != nil {
			return err
		}
		for _, r := range rows {
			if err := insertOut(m.ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}
