package messenger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/invite"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/ratchet"
	"github.com/warrennet/warren/overlay/identity"
)

// Invite makes a one-time invitation: K fresh queues on K mailbox relays
// for the future contact, fresh invitation keys, and the full invitation
// (the keys' public half and the queues) sealed into a blob queue on the
// first mailbox. The returned short invitation names that mailbox, the
// blob queue and its capability, the blob's key and the expiry; no node
// of ours.
func (m *Messenger) Invite(ctx context.Context, name string) (invite.Invitation, ContactInfo, error) {
	var inv invite.Invitation
	relays, err := m.pickMailboxes()
	if err != nil {
		return inv, ContactInfo{}, err
	}
	mine, err := m.createQueues(ctx, relays)
	if err != nil {
		return inv, ContactInfo{}, err
	}
	keys, err := ratchet.NewInviteKeys(m.cfg.Rand)
	if err != nil {
		return inv, ContactInfo{}, err
	}
	defer keys.Close()
	now := m.cfg.Now()
	c := &contact{Name: name, State: Invited, Created: now, Mine: mine, Expires: now.Add(m.cfg.InviteTTL)}
	if c.ID, err = m.randID(); err != nil {
		return inv, ContactInfo{}, err
	}
	if _, err := io.ReadFull(m.cfg.Rand, c.InviteKey[:]); err != nil {
		return inv, ContactInfo{}, err
	}
	if c.InviteKeys, err = keys.MarshalBinary(); err != nil {
		return inv, ContactInfo{}, err
	}
	blob := invite.Blob{Public: keys.Public(), Queues: addrs(mine), Expires: c.Expires}
	bq, err := m.depositBlob(ctx, relays[0], c.InviteKey, blob)
	if err != nil {
		return inv, ContactInfo{}, err
	}
	c.Blob = &bq
	if err := m.addContact(ctx, c, nil); err != nil {
		return inv, ContactInfo{}, err
	}
	inv = invite.Invitation{Relay: bq.Relay, Queue: bq.Queue, Secret: bq.Secret, Key: c.InviteKey, Expires: c.Expires}
	return inv, m.info(c), nil
}

// Accept fetches an invitation's blob once, deletes it at its mailbox (so
// a second use finds nothing), makes our K queues, runs the hybrid key
// agreement and queues the contact request, which carries our queues
// inside the first ratchet message.
func (m *Messenger) Accept(ctx context.Context, text, name string) (ContactInfo, error) {
	inv, err := invite.Parse(text)
	if err != nil {
		return ContactInfo{}, err
	}
	if inv.Expired(m.cfg.Now()) {
		return ContactInfo{}, ErrInviteExpired
	}
	blob, cleanup, err := m.fetchBlob(ctx, inv)
	if err != nil {
		return ContactInfo{}, err
	}
	used := false
	defer func() { cleanup(used) }() // the invitation is spent only if the contact was made
	if !blob.Expires.IsZero() && m.cfg.Now().After(blob.Expires) {
		return ContactInfo{}, ErrInviteExpired
	}
	relays, err := m.pickMailboxes()
	if err != nil {
		return ContactInfo{}, err
	}
	mine, err := m.createQueues(ctx, relays)
	if err != nil {
		return ContactInfo{}, err
	}
	if name == "" {
		name = blob.Name
	}
	c, req, err := m.request(inv.Key, blob, mine, name)
	if err != nil {
		return ContactInfo{}, err
	}
	if err := m.addContact(ctx, c, req); err != nil {
		return ContactInfo{}, err
	}
	used = true
	m.kickContact(c.ID)
	return m.info(c), nil
}

// request builds the acceptor's contact and its contact request.
func (m *Messenger) request(key [32]byte, blob invite.Blob, mine []myQueue, name string) (*contact, *outRow, error) {
	sess, init, err := ratchet.Initiate(blob.Public, m.cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	first, err := encryptPayload(sess, envelope.Hello{Queues: addrs(mine)})
	if err != nil {
		return nil, nil, err
	}
	env, err := invite.SealRequest(key, init, first, m.cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	now := m.cfg.Now()
	c := &contact{Name: name, State: Active, Created: now, Mine: mine, Theirs: blob.Queues, NextSeq: 1}
	if c.ID, err = m.randID(); err != nil {
		return nil, nil, err
	}
	if c.Session, err = sess.MarshalBinary(); err != nil {
		return nil, nil, err
	}
	req := &outRow{ID: MsgID(mailbox.MsgIDOf(env)), Contact: c.ID, Kind: kindRequest, Envelope: env,
		State: Queued, Created: now, NextTry: now}
	return c, req, nil
}

// fetchBlob reads an invitation's blob without removing it; cleanup(true)
// deletes the blob queue (once the contact is stored), cleanup(false)
// leaves it for another try; both close the stream.
func (m *Messenger) fetchBlob(ctx context.Context, inv invite.Invitation) (invite.Blob, func(bool), error) {
	relay := identity.NodeID(inv.Relay)
	cl, closeFn, err := m.openMailbox(ctx, m.onePurpose("invite"), relay)
	if err != nil {
		return invite.Blob{}, nil, err
	}
	q, sec := mailbox.QueueID(inv.Queue), mailbox.Secret(inv.Secret)
	msgs, err := cl.Fetch(ctx, q, sec, 0, 1)
	if errors.Is(err, mailbox.ErrNoQueue) || (err == nil && len(msgs) == 0) {
		closeFn()
		return invite.Blob{}, nil, ErrInviteUsed
	}
	if err != nil {
		closeFn()
		return invite.Blob{}, nil, fmt.Errorf("messenger: fetching the invitation: %w", err)
	}
	blob, err := invite.OpenBlob(inv.Key, msgs[0].Envelope)
	if err != nil {
		closeFn()
		return invite.Blob{}, nil, ErrBadInvitation
	}
	var once sync.Once
	cleanup := func(used bool) {
		once.Do(func() {
			if used {
				if err := cl.Delete(ctx, q, sec); err != nil {
					m.log.Debug("messenger: deleting the used invitation", "err", err)
				}
			}
			closeFn()
		})
	}
	return blob, cleanup, nil
}

// depositBlob creates the blob queue on relay and deposits the sealed blob.
func (m *Messenger) depositBlob(ctx context.Context, relay identity.NodeID, key [32]byte, blob invite.Blob) (myQueue, error) {
	env, err := invite.SealBlob(key, blob, m.cfg.Rand)
	if err != nil {
		return myQueue{}, err
	}
	cl, closeFn, err := m.openMailbox(ctx, m.onePurpose("mailbox"), relay)
	if err != nil {
		return myQueue{}, err
	}
	defer closeFn()
	q, sec, err := cl.Create(ctx)
	if err != nil {
		return myQueue{}, fmt.Errorf("messenger: creating the invitation's queue: %w", err)
	}
	if err := cl.Deposit(ctx, q, env); err != nil {
		return myQueue{}, fmt.Errorf("messenger: storing the invitation: %w", err)
	}
	return myQueue{Relay: relay, Queue: q, Secret: sec}, nil
}

// createQueues makes one queue on each relay, each through its own
// circuit, so no mailbox sees two queues of one user created together.
func (m *Messenger) createQueues(ctx context.Context, relays []identity.NodeID) ([]myQueue, error) {
	var out []myQueue
	for _, r := range relays {
		cl, closeFn, err := m.openMailbox(ctx, m.onePurpose("mailbox"), r)
		if err != nil {
			return nil, err
		}
		q, sec, err := cl.Create(ctx)
		closeFn()
		if err != nil {
			return nil, fmt.Errorf("messenger: creating a queue: %w", err)
		}
		out = append(out, myQueue{Relay: r, Queue: q, Secret: sec})
	}
	return out, nil
}

// pickMailboxes chooses K distinct mailbox relays at random (fewer if
// fewer are known).
func (m *Messenger) pickMailboxes() ([]identity.NodeID, error) {
	all := m.cfg.Mailboxes()
	if len(all) == 0 {
		return nil, ErrNoMailboxes
	}
	all = append([]identity.NodeID(nil), all...)
	for i := len(all) - 1; i > 0; i-- {
		j, err := randIntn(m.cfg.Rand, i+1)
		if err != nil {
			return nil, err
		}
		all[i], all[j] = all[j], all[i]
	}
	return all[:min(m.cfg.K, len(all))], nil
}

func addrs(qs []myQueue) []envelope.QueueAddr {
	out := make([]envelope.QueueAddr, len(qs))
	for i, q := range qs {
		out[i] = envelope.QueueAddr{Relay: q.Relay, Queue: q.Queue}
	}
	return out
}

// addContact stores a new contact (and its first outbox row, if any) and
// starts fetching its queues.
func (m *Messenger) addContact(ctx context.Context, c *contact, first *outRow) error {
	sealed, err := m.sealContact(c)
	if err != nil {
		return err
	}
	err = m.cfg.DB.Write(ctx, func(tx *sql.Tx) error {
		if err := insertContact(ctx, tx, c.ID, c.Created, sealed); err != nil {
			return err
		}
		if first != nil {
			return insertOut(ctx, tx, first)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("messenger: storing the contact: %w", err)
	}
	m.mu.Lock()
	m.contacts[c.ID] = c
	m.locks[c.ID] = new(sync.Mutex)
	m.startFetchersLocked(c)
	m.mu.Unlock()
	m.events.publish(Event{Kind: "contact", Time: m.cfg.Now(), Contact: c.ID.String(), Name: c.Name, State: c.State.String()})
	return nil
}
