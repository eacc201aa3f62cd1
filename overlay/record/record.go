package record

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Spec constants (wire format version 1).
const (
	// Version is the first byte of every encoded record.
	Version = 1
	// Domain prefixes the signed message: Domain || networkID || body.
	Domain = "warren/peer-record/v1"
	// MaxAddrs is the most addresses a record may carry (at least 1).
	MaxAddrs = 4
	// MaxRecordLifetime bounds ExpiresAt - IssuedAt. It must not exceed
	// identity.OnionEpochLength: a node keeps an onion key for its own epoch
	// and the next, and a record's onion key is the one of the epoch of
	// IssuedAt, so the key stays held for the record's whole life.
	MaxRecordLifetime = 7 * 24 * time.Hour
	// MaxClockSkew is how far in the future IssuedAt may be, by the
	// verifier's clock, before Verify returns ErrNotYetValid.
	MaxClockSkew = 10 * time.Minute
	// SignatureSize is the size of the trailing ed25519 signature.
	SignatureSize = 64
	// KeySize is the size of each public key in a record.
	KeySize = 32

	fixedLen   = 1 + 3*KeySize + 4 + 1 + 8 + 8 + 1 // through the address count
	maxAddrLen = 1 + KeySize + 2                   // an onion address
	// MaxSize is the largest encoded record (4 onion addresses).
	MaxSize = fixedLen + MaxAddrs*maxAddrLen + SignatureSize
	// MinSize is the smallest encoded record (1 IPv4 address).
	MinSize = fixedLen + 1 + 4 + 2 + SignatureSize
)

// DefaultLifetime is the lifetime New uses when Options.Lifetime is zero.
// Nodes should re-issue their record well before it expires.
const DefaultLifetime = 24 * time.Hour

// Errors callers branch on. A record from another network fails with
// ErrBadSignature: the network ID is only inside the signed message, so a
// wrong network and a forged signature look the same to the verifier, by
// design (no separate ErrWrongNetwork can exist).
var (
	ErrMalformed      = errors.New("record: malformed")
	ErrUnknownVersion = errors.New("record: unknown version")
	ErrBadSignature   = errors.New("record: bad signature")
	ErrExpired        = errors.New("record: expired")
	ErrNotYetValid    = errors.New("record: not yet valid")
	ErrKeyMismatch    = errors.New("record: signing key does not match node ID")
	ErrStaleOnionKey  = errors.New("record: onion key is not of the current epoch")
)

// Roles is a bit set of the services a node offers.
type Roles uint8

// Role bits. Any other bit makes a record malformed.
const (
	RoleRelay     Roles = 1 << 0 // relays circuits (answers CREATE)
	RoleMailbox   Roles = 1 << 1
	RoleValidator Roles = 1 << 2
	// RoleClient: accepts overlay links but relays no circuits; what a
	// node announces when it has no other role.
	RoleClient Roles = 1 << 3

	KnownRoles = RoleRelay | RoleMailbox | RoleValidator | RoleClient
)

// Has reports whether every bit of x is set in r (false for x == 0).
func (r Roles) Has(x Roles) bool { return x != 0 && r&x == x }

// Names lists the known roles set in r, in bit order.
func (r Roles) Names() []string {
	var names []string
	for _, n := range []struct {
		bit  Roles
		name string
	}{{RoleRelay, "relay"}, {RoleMailbox, "mailbox"}, {RoleValidator, "validator"}, {RoleClient, "client"}} {
		if r.Has(n.bit) {
			names = append(names, n.name)
		}
	}
	return names
}

// String joins Names with "|", e.g. "relay|mailbox"; unknown bits show as
// "?", no bits as "none".
func (r Roles) String() string {
	names := r.Names()
	if r&^KnownRoles != 0 {
		names = append(names, "?")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Record is a peer record. Fill the fields (or use New), Sign, Marshal. A
// decoded record (Unmarshal) is well formed but not yet trusted: call
// Verify. Addrs must be in canonical order (Sign sorts them).
type Record struct {
	NodeID     identity.NodeID
	LinkKey    [KeySize]byte // X25519 link static public key
	OnionKey   [KeySize]byte // X25519 circuit onion public key
	OnionEpoch uint32        // epoch of OnionKey; must be the epoch of IssuedAt
	Roles      Roles
	IssuedAt   uint64 // Unix seconds
	ExpiresAt  uint64 // Unix seconds; IssuedAt < ExpiresAt <= IssuedAt+MaxRecordLifetime
	Addrs      []Addr
	Signature  [SignatureSize]byte
}

// Issued returns IssuedAt as a time.
func (r *Record) Issued() time.Time { return unixTime(r.IssuedAt) }

// Expires returns ExpiresAt as a time.
func (r *Record) Expires() time.Time { return unixTime(r.ExpiresAt) }

func unixTime(s uint64) time.Time {
	if s > 1<<63-1 {
		s = 1<<63 - 1
	}
	return time.Unix(int64(s), 0)
}

// LogValue logs the node's short ID, roles, epoch, validity and the number
// of addresses, never the addresses themselves.
func (r *Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("node", r.NodeID.Short()),
		slog.String("roles", r.Roles.String()),
		slog.Uint64("onion_epoch", uint64(r.OnionEpoch)),
		slog.Uint64("issued", r.IssuedAt),
		slog.Uint64("expires", r.ExpiresAt),
		slog.Int("addrs", len(r.Addrs)),
	)
}

var _ slog.LogValuer = (*Record)(nil)
