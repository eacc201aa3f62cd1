package messenger

import (
	"context"
	"database/sql"
	"fmt"
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
// contact's receipt arrives or it fails.
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
	c, unlock, err := m.lockContact(id)
	if err != nil {
		return OutboxItem{}, err
	}
	defer unlock()
	if c.State != Active {
		return OutboxItem{}, ErrNotActive
	}
	row, nc, err := m.sealText(c, text)
	if err != nil {
		return OutboxItem{}, err
	}
	sealed, err := m.sealContact(nc)
	if err != nil {
		return OutboxItem{}, err
	}
	err = m.cfg.DB.Write(ctx, func(tx *sql.Tx) error {
		if err := updateContact(ctx, tx, nc.ID, sealed); err != nil {
			return err
		}
		return insertOut(ctx, tx, row)
	})
	if err != nil {
		return OutboxItem{}, fmt.Errorf("messenger: queueing the message: %w", err)
	}
	m.commitContact(nc)
	m.publishState(nc, row, 0)
	m.kick()
	return m.outItem(nc, row, text), nil
}

// sealText encrypts a new Text for c and returns its outbox row and the
// contact's next state.
func (m *Messenger) sealText(c *contact, text []byte) (*outRow, *contact, error) {
	sess, err := ratchet.UnmarshalSession(c.Session, m.cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	id, err := m.randID()
	if err != nil {
		return nil, nil, err
	}
	now := m.cfg.Now()
	env, err := encryptPayload(sess, envelope.Text{ID: id, Seq: c.NextSeq, Sent: now.UnixMilli(), Body: text})
	if err != nil {
		return nil, nil, err
	}
	nc := c.clone()
	if nc.Session, err = sess.MarshalBinary(); err != nil {
		return nil, nil, err
	}
	nc.NextSeq++
	row := &outRow{ID: id, Contact: c.ID, Kind: kindText, Envelope: env, State: Queued, Created: now, NextTry: now}
	if row.Body, err = m.cfg.Vault.SealRow(outLabel(id), text); err != nil {
		return nil, nil, err
	}
	return row, nc, nil
}

func outLabel(id MsgID) string { return "outbox/" + id.String() }
func inLabel(id MsgID) string  { return "inbox/" + id.String() }
