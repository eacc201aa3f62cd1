package messenger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ContactInfo is what a user sees of a contact.
type ContactInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"` // an invitation's expiry
	Mailboxes int       `json:"mailboxes"`        // our queues for this contact
}

// OutboxItem is an outgoing text as the user sees it.
type OutboxItem struct {
	ID        string    `json:"id"`
	Contact   string    `json:"contact"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	Why       string    `json:"why,omitempty"`
	Tries     int       `json:"tries"`
	Created   time.Time `json:"created"`
	Sent      time.Time `json:"sent,omitzero"`
	Delivered time.Time `json:"delivered,omitzero"`
	Body      string    `json:"body"`
}

// InboxItem is a received text.
type InboxItem struct {
	ID       string    `json:"id"`
	Contact  string    `json:"contact"`
	Name     string    `json:"name"`
	Seq      uint64    `json:"seq"`
	Sent     time.Time `json:"sent"`
	Received time.Time `json:"received"`
	Body     string    `json:"body"`
}

func (m *Messenger) info(c *contact) ContactInfo {
	return ContactInfo{ID: c.ID.String(), Name: c.Name, State: c.State.String(), Created: c.Created,
		Expires: c.Expires, Mailboxes: len(c.Mine)}
}

// Contacts lists the contacts, oldest first.
func (m *Messenger) Contacts() []ContactInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]ContactInfo, 0, len(m.contacts))
	for _, c := range m.contacts {
		out = append(out, m.info(c))
	}
	slices.SortFunc(out, func(a, b ContactInfo) int { return a.Created.Compare(b.Created) })
	return out
}

// resolve finds a contact by ID or by (unique) name.
func (m *Messenger) resolve(ref string) (ContactID, error) {
	if id, err := ParseContactID(ref); err == nil {
		m.mu.Lock()
		_, ok := m.contacts[id]
		m.mu.Unlock()
		if ok {
			return id, nil
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var found []ContactID
	for id, c := range m.contacts {
		if c.Name != "" && strings.EqualFold(c.Name, ref) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return ContactID{}, ErrNoContact
	case 1:
		return found[0], nil
	}
	return ContactID{}, ErrAmbiguous
}

func (m *Messenger) name(id ContactID) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.contacts[id]; c != nil {
		return c.Name
	}
	return ""
}

// Inbox returns received texts, newest last: of one contact (ref non-empty)
// in the sender's order, or of everyone in arrival order.
func (m *Messenger) Inbox(ctx context.Context, ref string, limit int) ([]InboxItem, error) {
	var cid *ContactID
	if ref != "" {
		id, err := m.resolve(ref)
		if err != nil {
			return nil, err
		}
		cid = &id
	}
	var rows []inRow
	err := m.cfg.DB.Read(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = selectIn(ctx, tx, cid, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]InboxItem, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		body, err := m.cfg.Vault.OpenRow(inLabel(r.ID), r.Body)
		if err != nil {
			return nil, err
		}
		out = append(out, InboxItem{ID: r.ID.String(), Contact: r.Contact.String(), Name: m.name(r.Contact),
			Seq: r.Seq, Sent: r.Sent, Received: r.Received, Body: string(body)})
	}
	if cid != nil {
		slices.SortStableFunc(out, func(a, b InboxItem) int { return int64Cmp(int64(a.Seq), int64(b.Seq)) })
	}
	return out, nil
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Outbox returns sent texts with their states, newest last.
func (m *Messenger) Outbox(ctx context.Context, ref string, limit int) ([]OutboxItem, error) {
	q, args := `WHERE kind IN (1, 4) `, []any{}
	if ref != "" {
		id, err := m.resolve(ref)
		if err != nil {
			return nil, err
		}
		q += `AND contact = ? `
		args = append(args, id[:])
	}
	var rows []outRow
	err := m.cfg.DB.Read(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = queryOut(ctx, tx, q+`ORDER BY n DESC LIMIT ?`, append(args, limit)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]OutboxItem, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		sealed, err := m.cfg.Vault.OpenRow(outLabel(r.ID), r.Body)
		if err != nil {
			return nil, err
		}
		_, body, err := parseOutBody(sealed)
		if err != nil {
			return nil, err
		}
		if r.Kind == kindPayment {
			body = fmt.Appendf(nil, "(payment certificate, %d bytes)", len(body))
		}
		m.mu.Lock()
		c := m.contacts[r.Contact]
		m.mu.Unlock()
		if c != nil {
			out = append(out, m.outItem(c, &r, body))
		}
	}
	return out, nil
}

func (m *Messenger) outItem(c *contact, r *outRow, body []byte) OutboxItem {
	return OutboxItem{ID: r.ID.String(), Contact: c.ID.String(), Name: c.Name, State: r.State.String(),
		Why: r.Why, Tries: r.Tries, Created: r.Created, Sent: r.Sent, Delivered: r.Delivered, Body: string(body)}
}

func (m *Messenger) stateEvent(c *contact, r *outRow, latency time.Duration) Event {
	e := Event{Kind: "state", Time: m.cfg.Now(), ID: r.ID.String(), State: r.State.String(), Why: r.Why,
		Latency: ms(latency)}
	if c != nil {
		e.Contact, e.Name = c.ID.String(), c.Name
	}
	return e
}

func (m *Messenger) publishState(c *contact, r *outRow, latency time.Duration) {
	m.events.publish(m.stateEvent(c, r, latency))
}

// seenKeep is how long a processed mailbox message ID is remembered: a
// mailbox keeps a message at most 7 days, and a text's ID stays in the
// inbox forever, so an older copy is caught there (or fails to decrypt).
const seenKeep = 8 * 24 * time.Hour

// pruneEvery spaces the removals of old seen rows.
const pruneEvery = time.Hour

// pruneSeen removes seen rows older than seenKeep, at most once an hour.
func (m *Messenger) pruneSeen() {
	now := m.cfg.Now()
	m.mu.Lock()
	due := now.Sub(m.pruned) >= pruneEvery
	if due {
		m.pruned = now
	}
	m.mu.Unlock()
	if !due {
		return
	}
	for {
		var n int64
		err := m.cfg.DB.Write(m.ctx, func(tx *sql.Tx) error {
			var err error
			n, err = pruneSeen(m.ctx, tx, now.Add(-seenKeep), 1000)
			return err
		})
		if err != nil || n < 1000 {
			return
		}
	}
}

// expireInvitations forgets invitations nobody accepted in time (their
// queues expire at the mailboxes on their own).
func (m *Messenger) expireInvitations() {
	now := m.cfg.Now()
	m.mu.Lock()
	var dead []*contact
	for _, c := range m.contacts {
		if c.State == Invited && !c.Expires.IsZero() && now.After(c.Expires) {
			dead = append(dead, c)
		}
	}
	m.mu.Unlock()
	for _, dead := range dead {
		c, unlock, err := m.lockContact(dead.ID)
		if err != nil {
			continue
		}
		if c.State != Invited { // its request arrived meanwhile
			unlock()
			continue
		}
		err = m.cfg.DB.Write(m.ctx, func(tx *sql.Tx) error { return deleteContact(m.ctx, tx, c.ID) })
		unlock()
		if err != nil {
			continue
		}
		m.mu.Lock()
		m.stopFetchersLocked(c)
		delete(m.contacts, c.ID)
		delete(m.locks, c.ID)
		m.mu.Unlock()
		m.events.publish(Event{Kind: "contact", Time: now, Contact: c.ID.String(), Name: c.Name, State: "expired"})
	}
}
