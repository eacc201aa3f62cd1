package ratchet

import "errors"

// Spec constants (Signal, "The Double Ratchet Algorithm", rev. 1, §3.2 and §4).
const (
	// MaxSkip bounds how many message keys one received header may make us
	// skip in a single chain step (MAX_SKIP in the spec).
	MaxSkip = 1000
	// MaxStoredSkipped bounds the skipped message keys kept in total; the
	// oldest are evicted first.
	MaxStoredSkipped = 2000
)

// Wire and size constants of this package.
const (
	// Version is the first byte of every message and of a marshalled Session.
	Version = 1

	// MaxPlaintext bounds the plaintext of one message.
	MaxPlaintext = 1 << 20

	keySize       = 32
	headerSize    = keySize + 4 + 4 // dh pub | pn | n
	hdrNonceSize  = 24
	tagSize       = 16
	encHeaderSize = hdrNonceSize + headerSize + tagSize
	prefixSize    = 1 + encHeaderSize // version | encrypted header
	// MinMessageSize is the size of a message with an empty plaintext.
	MinMessageSize = prefixSize + tagSize
	// MaxMessageSize is the size of a message carrying MaxPlaintext bytes.
	MaxMessageSize = MinMessageSize + MaxPlaintext
)

// Sentinel errors. None of them carries key material or message content.
var (
	ErrMalformed    = errors.New("ratchet: malformed input")
	ErrVersion      = errors.New("ratchet: unsupported version")
	ErrDecrypt      = errors.New("ratchet: message authentication failed")
	ErrTooManySkips = errors.New("ratchet: too many skipped messages")
	ErrCannotSend   = errors.New("ratchet: no sending chain yet (receive a message first)")
	ErrTooLarge     = errors.New("ratchet: plaintext too large")
	ErrClosed       = errors.New("ratchet: session closed")
	ErrExhausted    = errors.New("ratchet: message counter exhausted")
	ErrRandom       = errors.New("ratchet: randomness source failed")
)
