package messenger

import (
	"context"
	"fmt"

	"github.com/warrennet/warren/messaging/envelope"
)

// SendPayment sends a payment's certificate to the contact named by ref
// as an end-to-end message, durably queued like a text and delivered
// until the contact's receipt. The contact's messenger hands it to its
// OnPayment hook (the wallet applies it and finds its output).
func (m *Messenger) SendPayment(ctx context.Context, ref string, cert []byte) (OutboxItem, error) {
	if len(cert) == 0 || len(cert) > envelope.MaxPaymentCert {
		return OutboxItem{}, fmt.Errorf("messenger: a certificate of %d bytes cannot be sent", len(cert))
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
	nc := c.clone()
	if nc.sess, err = m.workingSession(c); err != nil {
		return OutboxItem{}, err
	}
	row, err := m.sealPayment(nc, cert)
	if err == nil {
		if nc.Session, err = nc.sess.MarshalBinary(); err == nil {
			err = m.storeBatch(nc, []*outRow{row})
		}
	}
	if err != nil {
		nc.sess.Close()
		return OutboxItem{}, fmt.Errorf("messenger: queueing the payment: %w", err)
	}
	m.commitContact(nc)
	m.publishState(nc, row, 0)
	m.kickContact(nc.ID)
	return m.outItem(nc, row, []byte("(payment)")), nil
}

// sealPayment encrypts a Payment for c with its working session.
func (m *Messenger) sealPayment(c *contact, cert []byte) (*outRow, error) {
	id, err := m.randID()
	if err != nil {
		return nil, err
	}
	env, err := encryptPayload(c.sess, envelope.Payment{ID: id, Cert: cert})
	if err != nil {
		return nil, err
	}
	now := m.cfg.Now()
	row := &outRow{ID: id, Contact: c.ID, Kind: kindPayment, Envelope: env, State: Queued, Created: now, NextTry: now}
	if row.Body, err = m.cfg.Vault.SealRow(outLabel(id), outBody(0, cert)); err != nil {
		return nil, err
	}
	return row, nil
}

// deliverPayments hands received certificates to the OnPayment hook, after
// the batch that carried them was stored (the hook writes to the same
// database), and announces each. The hook's application is idempotent, so
// a copy that arrives again does no harm.
func (m *Messenger) deliverPayments(ctx context.Context, c *contact, ps []envelope.Payment) {
	for _, p := range ps {
		e := Event{Kind: "payment", Time: m.cfg.Now(), Contact: c.ID.String(), Name: c.Name,
			ID: MsgID(p.ID).String(), State: "received"}
		if m.cfg.OnPayment == nil {
			e.Why = "no wallet to apply it"
		} else if err := m.cfg.OnPayment(ctx, p.Cert); err != nil {
			e.Why = err.Error()
			m.log.Warn("messenger: applying a received payment", "err", err)
		} else {
			e.State = "applied"
		}
		m.events.publish(e)
	}
}
