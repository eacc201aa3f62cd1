package record

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Wire format, version 1. All integers big-endian, no padding, no options:
//
//	version      1   = 1
//	node_id      32  ed25519 public key (also the .onion key), not of small
//	                 order and canonical (identity.ValidNodeKey)
//	link_key     32  X25519 public key
//	onion_key    32  X25519 public key
//	onion_epoch  4   = issued_at / identity.OnionEpochLength
//	roles        1   non-zero, only bits of KnownRoles
//	issued_at    8   Unix seconds
//	expires_at   8   issued_at < expires_at <= issued_at + MaxRecordLifetime
//	addr_count   1   1..MaxAddrs
//	addrs        addr_count × ( type(1) | body | port(2) ), port != 0, where
//	                 type 1 onion: body = node_id (32) (its own onion only)
//	                 type 2 IPv4:  body = 4 bytes
//	                 type 3 IPv6:  body = 16 bytes, not IPv4-mapped
//	             in strictly ascending order of their encodings
//	signature    64  ed25519 over Domain || network_id(32) || all bytes above
//
// No other encoding of the same record is accepted: a decoder either
// returns a record whose re-encoding is its input, or an error.

// Detail errors, all wrapping ErrMalformed. Made once so that rejecting
// input does not allocate.
var (
	errTruncated    = fmt.Errorf("%w: truncated", ErrMalformed)
	errTrailing     = fmt.Errorf("%w: trailing bytes", ErrMalformed)
	errTooLong      = fmt.Errorf("%w: longer than MaxSize", ErrMalformed)
	errAddrCount    = fmt.Errorf("%w: address count out of range", ErrMalformed)
	errAddrType     = fmt.Errorf("%w: unknown address type", ErrMalformed)
	errPort         = fmt.Errorf("%w: port 0", ErrMalformed)
	errMappedIPv6   = fmt.Errorf("%w: IPv6 address not canonical", ErrMalformed)
	errAddrOrder    = fmt.Errorf("%w: addresses not sorted and distinct", ErrMalformed)
	errForeignOnion = fmt.Errorf("%w: onion address is not the node's own", ErrMalformed)
	errRoles        = fmt.Errorf("%w: unknown or no roles", ErrMalformed)
	errLifetime     = fmt.Errorf("%w: validity window out of range", ErrMalformed)
	errEpoch        = fmt.Errorf("%w: onion epoch does not match issue time", ErrMalformed)
	errZeroKey      = fmt.Errorf("%w: all-zero key", ErrMalformed)
	errNodeKey      = fmt.Errorf("%w: node key of small order or not canonical", ErrMalformed)
	errKeyReuse     = fmt.Errorf("%w: link and onion keys are equal", ErrMalformed)
)

var epochSeconds = uint64(identity.OnionEpochLength / time.Second)

// Marshal returns the encoding of r. It fails if r is not well formed
// (Marshal does not check the signature).
func (r *Record) Marshal() ([]byte, error) {
	return r.AppendBinary(make([]byte, 0, r.size()))
}

// MarshalBinary implements encoding.BinaryMarshaler (same as Marshal).
func (r *Record) MarshalBinary() ([]byte, error) { return r.Marshal() }

// AppendBinary implements encoding.BinaryAppender: it appends r's encoding
// to b.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	if err := r.validate(); err != nil {
		return b, err
	}
	b = r.appendBody(b)
	return append(b, r.Signature[:]...), nil
}

func (r *Record) size() int {
	n := fixedLen + SignatureSize
	for _, a := range r.Addrs {
		n += a.encodedLen()
	}
	return n
}

// appendBody appends every field but the signature. r must be valid.
func (r *Record) appendBody(b []byte) []byte {
	b = append(b, Version)
	b = append(b, r.NodeID[:]...)
	b = append(b, r.LinkKey[:]...)
	b = append(b, r.OnionKey[:]...)
	b = binary.BigEndian.AppendUint32(b, r.OnionEpoch)
	b = append(b, byte(r.Roles))
	b = binary.BigEndian.AppendUint64(b, r.IssuedAt)
	b = binary.BigEndian.AppendUint64(b, r.ExpiresAt)
	b = append(b, byte(len(r.Addrs)))
	for _, a := range r.Addrs {
		b = appendAddr(b, a)
	}
	return b
}

// decoded holds a record and its address array in one allocation.
type decoded struct {
	rec   Record
	addrs [MaxAddrs]Addr
}

// Unmarshal decodes a record. It returns ErrUnknownVersion, or an error
// wrapping ErrMalformed for anything not in the canonical form of a well
// formed record. It does not verify the signature or the time: call Verify.
func Unmarshal(b []byte) (*Record, error) {
	if len(b) > MaxSize {
		return nil, errTooLong
	}
	if len(b) < fixedLen {
		return nil, versionOr(b, errTruncated)
	}
	if b[0] != Version {
		return nil, ErrUnknownVersion
	}
	if n := b[fixedLen-1]; n < 1 || n > MaxAddrs {
		return nil, errAddrCount // before allocating anything
	}
	d := new(decoded)
	if err := d.decode(b); err != nil {
		return nil, err
	}
	if err := d.rec.validate(); err != nil {
		return nil, err
	}
	return &d.rec, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler; r changes only on
// success.
func (r *Record) UnmarshalBinary(b []byte) error {
	d, err := Unmarshal(b)
	if err != nil {
		return err
	}
	*r = *d
	return nil
}

func versionOr(b []byte, err error) error {
	if len(b) > 0 && b[0] != Version {
		return ErrUnknownVersion
	}
	return err
}

// decode parses b (at least fixedLen bytes, version and count checked)
// into d.
func (d *decoded) decode(b []byte) error {
	r := &d.rec
	r.NodeID = identity.NodeID(b[1:33])
	r.LinkKey = [KeySize]byte(b[33:65])
	r.OnionKey = [KeySize]byte(b[65:97])
	r.OnionEpoch = binary.BigEndian.Uint32(b[97:])
	r.Roles = Roles(b[101])
	r.IssuedAt = binary.BigEndian.Uint64(b[102:])
	r.ExpiresAt = binary.BigEndian.Uint64(b[110:])
	n := int(b[fixedLen-1])
	rest := b[fixedLen:]
	for i := range n {
		var err error
		if d.addrs[i], rest, err = decodeAddr(rest); err != nil {
			return err
		}
	}
	r.Addrs = d.addrs[:n:n]
	switch {
	case len(rest) < SignatureSize:
		return errTruncated
	case len(rest) > SignatureSize:
		return errTrailing
	}
	r.Signature = [SignatureSize]byte(rest)
	return nil
}

// validate checks everything about r that does not need a key or a clock.
func (r *Record) validate() error {
	if !r.NodeID.Valid() {
		return errNodeKey // small-order keys let anyone sign (identity.ValidNodeKey)
	}
	if r.LinkKey == [KeySize]byte{} || r.OnionKey == [KeySize]byte{} {
		return errZeroKey
	}
	if r.LinkKey == r.OnionKey {
		return errKeyReuse
	}
	if r.Roles == 0 || r.Roles&^KnownRoles != 0 {
		return errRoles
	}
	if err := r.checkTimes(); err != nil {
		return err
	}
	return r.checkAddrs()
}

func (r *Record) checkTimes() error {
	if r.ExpiresAt <= r.IssuedAt || r.ExpiresAt-r.IssuedAt > uint64(MaxRecordLifetime/time.Second) {
		return errLifetime
	}
	if r.IssuedAt/epochSeconds != uint64(r.OnionEpoch) {
		return errEpoch
	}
	return nil
}

func (r *Record) checkAddrs() error {
	if len(r.Addrs) < 1 || len(r.Addrs) > MaxAddrs {
		return errAddrCount
	}
	for i, a := range r.Addrs {
		if err := a.check(r.NodeID); err != nil {
			return err
		}
		if i > 0 && compareAddr(r.Addrs[i-1], a) >= 0 {
			return errAddrOrder
		}
	}
	return nil
}

// sortAddrs returns a sorted copy of addrs, the canonical order.
func sortAddrs(addrs []Addr) []Addr {
	s := slices.Clone(addrs)
	slices.SortFunc(s, compareAddr)
	return s
}
