package genesis

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Spec constants (canonical format version 2, file format version 2).
// Version 1 (validators without node IDs, no ledger) is refused with
// ErrVersion: its networks must be regenerated.
const (
	// Version is the first byte of the canonical form.
	Version = 2
	// FileVersion is the value of the file's "warren_genesis" field.
	FileVersion = 2
	// IDDomain prefixes the hashed bytes: ID = SHA-256(IDDomain || canonical).
	IDDomain = "warren/genesis/v1\x00"

	// MaxNameLen bounds Genesis.Name (bytes; at least 1).
	MaxNameLen = 64
	// MaxValidatorNameLen bounds Validator.Name (bytes; at least 1).
	MaxValidatorNameLen = 32
	// MaxBootstrap is the most bootstrap peers a genesis lists.
	MaxBootstrap = 64
	// MaxValidators is the most validators a genesis lists.
	MaxValidators = 64
	// KeySize is the size of every key in a genesis.
	KeySize = 32
	// MaxLedgerSize bounds Genesis.Ledger (bytes).
	MaxLedgerSize = 64 << 10

	// MaxCanonicalSize is the largest canonical form: every list full, every
	// name at its longest, every peer with record.MaxAddrs onion addresses.
	MaxCanonicalSize = 1 + 1 + MaxNameLen + 8 +
		1 + MaxBootstrap*(2*KeySize+1+record.MaxAddrs*maxAddrLen) +
		1 + MaxValidators*(2*KeySize+1+MaxValidatorNameLen) +
		4 + MaxLedgerSize
	// MaxFileSize bounds the input to ParseFile, checked before parsing.
	// MarshalFile writes the largest genesis in about 137 KiB.
	MaxFileSize = 256 << 10
)

// maxCreated is the last second MarshalFile can write (9999-12-31T23:59:59Z).
const maxCreated = 253402300799

// Genesis names a Warren network. Its zero value is invalid (no name). See
// the package doc for what it binds and what it does not.
type Genesis struct {
	// Name is 1..MaxNameLen bytes of printable ASCII (0x20..0x7e), with no
	// space at either end.
	Name string
	// Created is when the network was made, in whole seconds after the
	// Unix epoch (up to year 9999). The zero Time means none.
	Created time.Time
	// Bootstrap lists at most MaxBootstrap peers, distinct by NodeID.
	Bootstrap []Peer
	// Validators lists at most MaxValidators validators, distinct by Key,
	// by NodeID and by Name.
	Validators []Validator
	// Ledger is the payment ledger's genesis (its initial coins), at most
	// MaxLedgerSize bytes, opaque here: package messaging/ledger parses
	// it. Empty (nil) means none; canonical() turns an empty slice into nil.
	Ledger []byte
}

// Peer is a bootstrap peer: who it is, how to link to it, where it is.
type Peer struct {
	// NodeID is the peer's node key (and .onion address); it must pass
	// identity.ValidNodeKey.
	NodeID identity.NodeID
	// LinkKey is the peer's X25519 static link key, dialled with Noise IK:
	// canonical (below 2^255 - 19) and not of small order.
	LinkKey [KeySize]byte
	// Addrs has 1..record.MaxAddrs distinct addresses, none with port 0;
	// an onion address must be the peer's own.
	Addrs []record.Addr
}

// Validator is a member of the payment committee.
type Validator struct {
	// Key is the validator's ed25519 vote key; it must pass
	// identity.ValidNodeKey (no small-order or non-canonical keys).
	Key [KeySize]byte
	// NodeID is the node (relay) that runs this validator, reached through
	// circuits; it must pass identity.ValidNodeKey.
	NodeID identity.NodeID
	// Name is 1..MaxValidatorNameLen bytes, with the same rules as
	// Genesis.Name.
	Name string
}

// Minimal returns a genesis with just a name: what `warren init --network
// NAME` uses. It does not check the name; ID and Validate do.
func Minimal(name string) *Genesis { return &Genesis{Name: name} }

// Validate reports whether g is a valid genesis, in any order of its
// slices. It returns a *FieldError wrapping ErrInvalid.
func (g *Genesis) Validate() error {
	_, err := g.canonical()
	return err
}

// ID returns the network ID: SHA-256(IDDomain || g.MarshalCanonical()).
func (g *Genesis) ID() ([32]byte, error) {
	c, err := g.canonical()
	if err != nil {
		return [32]byte{}, err
	}
	return c.id(), nil
}

// id hashes c, which must be valid and canonical.
func (c *Genesis) id() [32]byte {
	var buf [len(IDDomain) + MaxCanonicalSize]byte
	return sha256.Sum256(c.appendCanonical(append(buf[:0], IDDomain...)))
}

// LogValue logs the name and the list sizes, never addresses or keys.
func (g *Genesis) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", g.Name),
		slog.Int("bootstrap", len(g.Bootstrap)),
		slog.Int("validators", len(g.Validators)),
		slog.Int("ledger_bytes", len(g.Ledger)))
}

var _ slog.LogValuer = (*Genesis)(nil)

// Error classes: every error from this package wraps exactly one.
var (
	// ErrMalformed: the input cannot be read as a genesis (size, syntax,
	// structure, unknown or repeated fields, trailing data, the spelling
	// of a key, address or time).
	ErrMalformed = errors.New("genesis: malformed")
	// ErrInvalid: the input reads, but a value breaks a rule (length,
	// range, count, a weak key, order or a duplicate, a missing field).
	ErrInvalid = errors.New("genesis: invalid")
	// ErrVersion: the format version is not one this build reads.
	ErrVersion = errors.New("genesis: unsupported format version")
	// ErrIDMismatch: the file's network_id is not the hash of its contents,
	// so the file was edited or damaged after it was written.
	ErrIDMismatch = errors.New("genesis: network_id does not match the file's contents (the file was edited or damaged)")
)

// FieldError says which field is wrong and how. Field and Reason come from
// this package's fixed vocabulary (field paths and indexes), never from the
// input, so the text holds no keys, addresses or names.
type FieldError struct {
	// Field is a path such as "name" or "bootstrap[2].link_key"; "" means
	// the input as a whole. A value of the wrong JSON type in a file is
	// named without indexes ("bootstrap.link_key").
	Field string
	// Reason says what is wrong, e.g. "wrong length".
	Reason string
	// Class is ErrMalformed, ErrInvalid or ErrVersion.
	Class error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "genesis: " + e.Reason
	}
	return "genesis: " + e.Field + ": " + e.Reason
}

// Unwrap returns the class.
func (e *FieldError) Unwrap() error { return e.Class }

func malformed(field, reason string) *FieldError {
	return &FieldError{Field: field, Reason: reason, Class: ErrMalformed}
}

func invalid(field, reason string) *FieldError {
	return &FieldError{Field: field, Reason: reason, Class: ErrInvalid}
}
