package messenger

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/ratchet"
	"github.com/warrennet/warren/overlay/identity"
)

// ContactID is a contact's local, random identifier. It never leaves this
// machine.
type ContactID [16]byte

func (id ContactID) String() string { return hex.EncodeToString(id[:]) }

// ParseContactID parses the hexadecimal form of a ContactID.
func ParseContactID(s string) (ContactID, error) {
	var id ContactID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, errors.New("messenger: malformed contact ID")
	}
	copy(id[:], b)
	return id, nil
}

// ContactState is where a contact stands.
type ContactState int

const (
	// Invited: we made an invitation and wait for its contact request.
	Invited ContactState = 1
	// Active: a session exists; messages flow both ways (an inviter can
	// send as soon as the request arrived; an acceptor at once).
	Active ContactState = 2
)

func (s ContactState) String() string {
	switch s {
	case Invited:
		return "invited"
	case Active:
		return "active"
	}
	return "unknown"
}

// myQueue is one of our receiving queues on a mailbox.
type myQueue struct {
	Relay  identity.NodeID
	Queue  mailbox.QueueID
	Secret mailbox.Secret
}

// contact is one contact's whole state. It is kept in memory and, sealed,
// in the contact table; an operation works on a copy and swaps it in
// only after the transaction that stores it committed.
type contact struct {
	ID         ContactID
	Created    time.Time
	Name       string
	State      ContactState
	Session    []byte   // ratchet.Session.MarshalBinary; nil while Invited
	InviteKeys []byte   // ratchet.InviteKeys.MarshalBinary; only while Invited
	InviteKey  [32]byte // the invitation's key (opens the contact request)
	Blob       *myQueue // the queue holding our invitation's blob, until accepted
	Mine       []myQueue
	Theirs     []envelope.QueueAddr
	NextSeq    uint64 // the next Text's sequence number
	Expires    time.Time

	// sess is Session, live (not stored; nil until first used). An
	// operation works on a clone and swaps it in with the new state.
	sess *ratchet.Session
}

// sealedContact is contact's at-rest form (JSON inside a vault-sealed
// blob, so its field layout is local and authenticated; it never crosses
// the network).
type sealedContact struct {
	Name       string        `json:"name"`
	State      ContactState  `json:"state"`
	Session    []byte        `json:"session,omitempty"`
	InviteKeys []byte        `json:"invite_keys,omitempty"`
	InviteKey  []byte        `json:"invite_key,omitempty"`
	Blob       *sealedQueue  `json:"blob,omitempty"`
	Mine       []sealedQueue `json:"mine"`
	Theirs     []sealedAddr  `json:"theirs,omitempty"`
	NextSeq    uint64        `json:"next_seq"`
	Expires    int64         `json:"expires,omitempty"`
}

type sealedQueue struct {
	Relay  []byte `json:"relay"`
	Queue  []byte `json:"queue"`
	Secret []byte `json:"secret"`
}

type sealedAddr struct {
	Relay []byte `json:"relay"`
	Queue []byte `json:"queue"`
}

func (c *contact) label() string { return "contact/" + c.ID.String() }

func (c *contact) marshal() ([]byte, error) {
	s := sealedContact{
		Name: c.Name, State: c.State, Session: c.Session, InviteKeys: c.InviteKeys,
		NextSeq: c.NextSeq,
	}
	if c.State == Invited {
		s.InviteKey = c.InviteKey[:]
	}
	if !c.Expires.IsZero() {
		s.Expires = c.Expires.UnixNano()
	}
	if c.Blob != nil {
		q := sealQueue(*c.Blob)
		s.Blob = &q
	}
	for _, q := range c.Mine {
		s.Mine = append(s.Mine, sealQueue(q))
	}
	for _, a := range c.Theirs {
		s.Theirs = append(s.Theirs, sealedAddr{Relay: a.Relay[:], Queue: a.Queue[:]})
	}
	return json.Marshal(s)
}

func sealQueue(q myQueue) sealedQueue {
	return sealedQueue{Relay: q.Relay[:], Queue: q.Queue[:], Secret: q.Secret[:]}
}

func unmarshalContact(id ContactID, created time.Time, b []byte) (*contact, error) {
	var s sealedContact
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("messenger: contact record: %w", err)
	}
	c := &contact{
		ID: id, Created: created, Name: s.Name, State: s.State, Session: s.Session,
		InviteKeys: s.InviteKeys, NextSeq: s.NextSeq,
	}
	if s.Expires != 0 {
		c.Expires = time.Unix(0, s.Expires)
	}
	ok := copyExact(c.InviteKey[:], s.InviteKey, s.InviteKey != nil)
	if s.Blob != nil {
		q, qok := unsealQueue(*s.Blob)
		c.Blob, ok = &q, ok && qok
	}
	for _, sq := range s.Mine {
		q, qok := unsealQueue(sq)
		c.Mine, ok = append(c.Mine, q), ok && qok
	}
	for _, sa := range s.Theirs {
		var a envelope.QueueAddr
		ok = ok && copyExact(a.Relay[:], sa.Relay, true) && copyExact(a.Queue[:], sa.Queue, true)
		c.Theirs = append(c.Theirs, a)
	}
	if !ok || (c.State != Invited && c.State != Active) {
		return nil, errors.New("messenger: contact record: malformed")
	}
	return c, nil
}

func unsealQueue(s sealedQueue) (myQueue, bool) {
	var q myQueue
	ok := copyExact(q.Relay[:], s.Relay, true) && copyExact(q.Queue[:], s.Queue, true) &&
		copyExact(q.Secret[:], s.Secret, true)
	return q, ok
}

// copyExact copies src into dst if present; a present src must fill dst
// exactly.
func copyExact(dst, src []byte, present bool) bool {
	if !present {
		return true
	}
	return copy(dst, src) == len(dst) && len(src) == len(dst)
}

// clone returns a deep enough copy to mutate: slices that operations
// replace wholesale are shared, the ones they append to are copied.
func (c *contact) clone() *contact {
	d := *c
	d.Mine = append([]myQueue(nil), c.Mine...)
	d.Theirs = append([]envelope.QueueAddr(nil), c.Theirs...)
	return &d
}
