package wire

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
)

// Lengths of the protocol's identifiers.
const (
	QueueIDLen = 16
	SecretLen  = 32
	AuthLen    = 32
	MsgIDLen   = 16
)

// QueueID names a queue on one mailbox; the mailbox chooses it at random.
// Whoever knows it may deposit.
type QueueID [QueueIDLen]byte

// Secret is a queue's capability: whoever presents it may fetch, ack and
// delete. Its String and LogValue never show it; compare with Equal.
type Secret [SecretLen]byte

// AuthHash is SHA-256 of a Secret: all a mailbox stores of it.
type AuthHash [AuthLen]byte

// MsgID names a stored envelope: the first 16 bytes of its SHA-256.
type MsgID [MsgIDLen]byte

// AuthOf returns the hash a mailbox stores for s.
func AuthOf(s *Secret) AuthHash { return sha256.Sum256(s[:]) }

// MsgIDOf returns the ID a mailbox gives the envelope env.
func MsgIDOf(env []byte) MsgID {
	h := sha256.Sum256(env)
	return MsgID(h[:MsgIDLen])
}

// Equal compares in constant time.
func (s *Secret) Equal(o *Secret) bool { return subtle.ConstantTimeCompare(s[:], o[:]) == 1 }

// Zero overwrites the secret.
func (s *Secret) Zero() { clear(s[:]) }

// String never shows the secret.
func (Secret) String() string { return "mailbox-secret(redacted)" }

// LogValue never shows the secret.
func (Secret) LogValue() slog.Value { return slog.StringValue("redacted") }

// String is the queue ID in hex (for Debug logs and tests only).
func (q QueueID) String() string { return hex.EncodeToString(q[:]) }

// String is the message ID in hex.
func (m MsgID) String() string { return hex.EncodeToString(m[:]) }
