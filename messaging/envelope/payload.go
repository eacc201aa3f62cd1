package envelope

import (
	"fmt"
	"log/slog"
)

// Type is the first byte of an encoded payload.
type Type byte

// Payload types.
const (
	TypeText    Type = 1
	TypeReceipt Type = 2
	TypeHello   Type = 3
	TypePayment Type = 4
)

// Payload is what one ratchet message carries: a Text, a Receipt or a
// Hello (values, not pointers). The interface is sealed. The payload
// types are plain values, safe for concurrent reads; their zero values
// do not encode (Seq, IDs and Queues are required).
type Payload interface {
	Type() Type
	check() error
	appendTo(dst []byte) []byte
}

var (
	_ Payload = Text{}
	_ Payload = Receipt{}
	_ Payload = Hello{}
	_ Payload = Payment{}
)

// Payment tells the payee of a payment: the ledger certificate (opaque
// here; messaging/ledger decodes and verifies it), with which the payee's
// wallet finds its output by scanning. It is acknowledged by a Receipt
// like a Text. Its String and LogValue forms omit the certificate.
type Payment struct {
	ID   [16]byte // random message ID, the inbox's dedup key
	Cert []byte   // 1..MaxPaymentCert bytes
}

// Type reports TypePayment.
func (Payment) Type() Type { return TypePayment }

// String describes p without its certificate or ID.
func (p Payment) String() string {
	return fmt.Sprintf("envelope.Payment{cert: %d bytes}", len(p.Cert))
}

// LogValue is the redacted form of p.
func (p Payment) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("cert_len", len(p.Cert)))
}

// Text is a message a person wrote. Its String and LogValue forms omit
// the body and the ID.
type Text struct {
	ID   [16]byte // random message ID (crypto/rand), the inbox's dedup key
	Seq  uint64   // per-contact sender sequence, from 1
	Sent int64    // sender's clock, Unix milliseconds
	Body []byte   // UTF-8, at most MaxTextBody bytes
}

// Receipt acknowledges delivered messages by ID.
type Receipt struct {
	IDs [][16]byte // 1..MaxReceiptIDs, distinct
}

// QueueAddr names one mailbox queue: the mailbox relay's node ID and the
// queue the mailbox chose. It is what a contact deposits to; it gives no
// right to fetch.
type QueueAddr struct {
	Relay [32]byte
	Queue [16]byte
}

// Hello is the acceptor's first message: the name it goes by and where
// the inviter reaches it. Its String and LogValue forms omit the name and
// the addresses.
type Hello struct {
	Name   string      // at most MaxNameLen bytes (see CheckName), may be empty
	Queues []QueueAddr // 1..MaxQueues, distinct
}

// Type reports TypeText.
func (Text) Type() Type { return TypeText }

// Type reports TypeReceipt.
func (Receipt) Type() Type { return TypeReceipt }

// Type reports TypeHello.
func (Hello) Type() Type { return TypeHello }

// String describes t without its body or ID.
func (t Text) String() string {
	return fmt.Sprintf("envelope.Text{seq: %d, body: %d bytes}", t.Seq, len(t.Body))
}

// LogValue is the redacted form of t.
func (t Text) LogValue() slog.Value {
	return slog.GroupValue(slog.Uint64("seq", t.Seq), slog.Int("body_len", len(t.Body)))
}

// String describes h without its name or addresses.
func (h Hello) String() string {
	return fmt.Sprintf("envelope.Hello{queues: %d}", len(h.Queues))
}

// LogValue is the redacted form of h.
func (h Hello) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("queues", len(h.Queues)))
}

// String describes q without its identifiers.
func (q QueueAddr) String() string { return "envelope.QueueAddr{redacted}" }

// LogValue is the redacted form of q.
func (q QueueAddr) LogValue() slog.Value { return slog.StringValue("redacted") }
