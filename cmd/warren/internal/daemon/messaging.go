package daemon

import (
	"context"
	"errors"
	"net"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/messaging/invite"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/messenger"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// startMessaging starts the mailbox service (with the mailbox role) and
// this node's own messenger.
func (n *Node) startMessaging(ctx context.Context) error {
	if n.roles().Has(record.RoleMailbox) {
		srv, err := mailbox.New(mailbox.Config{DB: n.db, Now: n.cfg.Now, Rand: n.cfg.Rand, Logger: n.log})
		if err != nil {
			return err
		}
		n.mailbox = srv
		n.services.Handle("mailbox", srv.Handle)
	}
	m, err := messenger.New(ctx, messenger.Config{
		DB: n.db, Vault: n.vault, Dialer: selfDialer{n: n, d: n.circMgr}, Mailboxes: n.mailboxRelays,
		Now: n.cfg.Now, Rand: n.cfg.Rand, Logger: n.log, OnPayment: n.applyReceived,
	})
	if err != nil {
		return err
	}
	n.msgr = m
	m.Start()
	return nil
}

// selfDialer hands a stream to this node's own mailbox service straight
// to it: a contact may name this node as one of its mailbox relays (to
// probe whether we run it), and the circuit manager builds no path to
// ourselves, so without this the deposit would fail there and succeed
// everywhere else. (The timing still differs: no circuit. A known limit.)
type selfDialer struct {
	n *Node
	d circapi.Dialer
}

func (s selfDialer) Open(ctx context.Context, p circapi.Purpose, dest identity.NodeID, service string) (circapi.Stream, error) {
	if dest == s.n.info.NodeID && s.n.mailbox != nil && service == "mailbox" {
		mine, theirs := net.Pipe()
		go s.n.mailbox.Handle(theirs)
		return mine, nil
	}
	return s.d.Open(ctx, p, dest, service)
}

// mailboxRelays lists the relays that announce the mailbox role, never
// this node: a contact must not learn where its user runs.
func (n *Node) mailboxRelays() []identity.NodeID {
	var out []identity.NodeID
	seen := map[identity.NodeID]bool{n.info.NodeID: true}
	add := func(r *record.Record) {
		if r != nil && !seen[r.NodeID] && r.Roles.Has(record.RoleRelay|record.RoleMailbox) {
			seen[r.NodeID] = true
			out = append(out, r.NodeID)
		}
	}
	for _, in := range n.book.List() {
		add(in.Record)
	}
	for _, raw := range n.cfg.Peers {
		if r, err := n.verifyRelayRecord(raw); err == nil {
			add(r)
		}
	}
	return out
}

var errNoMessenger = errors.New("messaging is not running")

// Invite implements api.Messaging.
func (n *Node) Invite(ctx context.Context, name string) (api.Invitation, error) {
	if n.msgr == nil {
		return api.Invitation{}, errNoMessenger
	}
	inv, c, err := n.msgr.Invite(ctx, name)
	if err != nil {
		return api.Invitation{}, err
	}
	text := inv.String()
	qr, err := invite.QR(text)
	if err != nil {
		qr = "" // the text form still works
	}
	return api.Invitation{Text: text, QR: qr, Contact: c}, nil
}

// Accept implements api.Messaging.
func (n *Node) Accept(ctx context.Context, text, name string) (api.Contact, error) {
	if n.msgr == nil {
		return api.Contact{}, errNoMessenger
	}
	return n.msgr.Accept(ctx, text, name)
}

// Contacts implements api.Messaging.
func (n *Node) Contacts() ([]api.Contact, error) {
	if n.msgr == nil {
		return nil, errNoMessenger
	}
	return n.msgr.Contacts(), nil
}

// Send implements api.Messaging.
func (n *Node) Send(ctx context.Context, contact string, body []byte) (api.OutboxItem, error) {
	if n.msgr == nil {
		return api.OutboxItem{}, errNoMessenger
	}
	return n.msgr.Send(ctx, contact, body)
}

// Inbox implements api.Messaging.
func (n *Node) Inbox(ctx context.Context, contact string, limit int) ([]api.InboxItem, error) {
	if n.msgr == nil {
		return nil, errNoMessenger
	}
	return n.msgr.Inbox(ctx, contact, limit)
}

// Outbox implements api.Messaging.
func (n *Node) Outbox(ctx context.Context, contact string, limit int) ([]api.OutboxItem, error) {
	if n.msgr == nil {
		return nil, errNoMessenger
	}
	return n.msgr.Outbox(ctx, contact, limit)
}

// Subscribe implements api.Messaging.
func (n *Node) Subscribe() (<-chan api.Event, func(), bool) {
	if n.msgr == nil {
		return nil, func() {}, false
	}
	return n.msgr.Subscribe()
}
