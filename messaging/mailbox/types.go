package mailbox

import (
	"errors"

	"github.com/warrennet/warren/messaging/mailbox/wire"
)

// QueueID names a queue on one mailbox. Whoever knows it may deposit, so
// an owner gives it only to the one contact the queue is for.
type QueueID = wire.QueueID

// Secret is a queue's capability (fetch, ack, delete). Its String and
// LogValue never show it; compare with Equal, erase with Zero.
type Secret = wire.Secret

// MsgID names a stored envelope: the first 16 bytes of its SHA-256.
type MsgID = wire.MsgID

// Message is one fetched envelope and its ID.
type Message struct {
	ID       MsgID
	Envelope []byte
}

// MsgIDOf returns the ID a mailbox gives the envelope env, so a client can
// compute it before depositing or check it after fetching.
func MsgIDOf(env []byte) MsgID { return wire.MsgIDOf(env) }

// Errors a Client returns, so callers can branch on them. None carries a
// queue ID, secret or envelope.
var (
	// ErrNoQueue: no such queue, or a wrong secret (a mailbox does not
	// tell the two apart).
	ErrNoQueue = errors.New("mailbox: no such queue")
	// ErrQueueFull: the queue's message or byte quota is reached.
	ErrQueueFull = errors.New("mailbox: queue full")
	// ErrMailboxFull: the mailbox's byte or queue quota is reached.
	ErrMailboxFull = errors.New("mailbox: mailbox full")
	// ErrMalformed: the request was malformed, refused locally before
	// sending (bad envelope size) or by the mailbox (the stream is then
	// closed).
	ErrMalformed = errors.New("mailbox: malformed request")
	// ErrUnavailable: the mailbox could not serve the request now (storage
	// error, too many waiting fetches, shutting down) or the stream failed.
	ErrUnavailable = errors.New("mailbox: mailbox unavailable")
	// ErrProtocol: the mailbox answered something the protocol does not
	// allow (bad frame, wrong answer type, an ID that does not match its
	// envelope, more messages than asked for).
	ErrProtocol = errors.New("mailbox: protocol violation by the mailbox")
	// ErrBroken: an earlier error (or a cancelled context) ended this
	// client's stream; open a new stream and a new Client.
	ErrBroken = errors.New("mailbox: client stream is broken")
)

func codeErr(c wire.Code) error {
	switch c {
	case wire.CodeNoQueue:
		return ErrNoQueue
	case wire.CodeQueueFull:
		return ErrQueueFull
	case wire.CodeMailboxFull:
		return ErrMailboxFull
	case wire.CodeMalformed:
		return ErrMalformed
	}
	return ErrUnavailable
}
