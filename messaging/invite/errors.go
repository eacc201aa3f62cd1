package invite

import "errors"

// Wire constants.
const (
	// Version is the first byte of an invitation, a blob and a request.
	Version = 1
	// Prefix starts the text form of an invitation. With base32 it keeps
	// the whole text in the QR alphanumeric character set.
	Prefix = "WARREN-INVITE:"
	// BinarySize is the size of an encoded Invitation:
	// version 1 | relay 32 | queue 16 | secret 32 | key 32 | expires u64.
	BinarySize = 1 + 32 + 16 + 32 + 32 + 8 // 121
	// ChecksumSize is the truncated SHA-256 appended before base32.
	ChecksumSize = 4
	// TextSize is the length of the text form: 125 bytes are exactly 200
	// base32 characters, so there are no padding bits to keep canonical.
	TextSize = len(Prefix) + (BinarySize+ChecksumSize)*8/5 // 214

	// MaxExpiry is the last second an expiry may name (9999-12-31
	// 23:59:59 UTC); 0 and anything later are invalid.
	MaxExpiry = 253402300799

	// Domain-separation labels.
	labelChecksum = "warren-invite/1 checksum"
	labelBlob     = "warren-invite/1 blob key"
	labelRequest  = "warren-invite/1 request key"
)

// Sentinel errors. None of them carries key material, addresses or IDs.
var (
	ErrMalformed = errors.New("invite: malformed invitation")
	ErrChecksum  = errors.New("invite: checksum mismatch (invitation mistyped or damaged)")
	ErrVersion   = errors.New("invite: unsupported version")
	ErrExpiry    = errors.New("invite: expiry out of range")
	ErrTooLarge  = errors.New("invite: too large")
	ErrDecrypt   = errors.New("invite: authentication failed")
	ErrRandom    = errors.New("invite: randomness source failed")
	ErrQR        = errors.New("invite: text does not fit a terminal QR code")
)
