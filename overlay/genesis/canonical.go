package genesis

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Canonical form, version 2. All integers big-endian, no padding, no
// options; every length is bounded before anything is allocated:
//
//	version        1   = Version
//	name_len       1   1..MaxNameLen
//	name           name_len bytes, printable ASCII, no space at either end
//	created        8   Unix seconds; 0 = none; at most 253402300799
//	peer_count     1   0..MaxBootstrap
//	peers          peer_count × peer, strictly ascending by node_id
//	val_count      1   0..MaxValidators
//	validators     val_count × validator, strictly ascending by key;
//	               node IDs distinct, names distinct
//	ledger_len     4   0..MaxLedgerSize
//	ledger         ledger_len opaque bytes (package messaging/ledger)
//
//	peer:      node_id(32)  ed25519 key passing identity.ValidNodeKey
//	           link_key(32) X25519 key, below 2^255-19, not of small order
//	           addr_count(1) 1..record.MaxAddrs
//	           addrs        addr_count × ( type(1) | body | port(2) ),
//	                        strictly ascending by these bytes, port != 0:
//	                        type 1 onion: body = node_id (the peer's own)
//	                        type 2 IPv4:  body = 4 bytes
//	                        type 3 IPv6:  body = 16 bytes, not IPv4-mapped
//	                        (the layout and order of package record)
//	validator: key(32)      ed25519 key passing identity.ValidNodeKey
//	           node_id(32)  ed25519 key passing identity.ValidNodeKey
//	           name_len(1)  1..MaxValidatorNameLen
//	           name         as the genesis name
//
// The decoder accepts nothing else: it either returns a genesis whose
// canonical form is its input, or an error.

const maxAddrLen = 1 + KeySize + 2

// MarshalCanonical returns the canonical form of g (its slices sorted; g
// itself is not changed). It fails if g is not valid.
func (g *Genesis) MarshalCanonical() ([]byte, error) {
	c, err := g.canonical()
	if err != nil {
		return nil, err
	}
	return c.appendCanonical(nil), nil
}

// appendCanonical appends the canonical form of c, which must be valid and
// in canonical order.
func (g *Genesis) appendCanonical(b []byte) []byte {
	b = append(b, Version, byte(len(g.Name)))
	b = append(b, g.Name...)
	var created uint64
	if !g.Created.IsZero() {
		created = uint64(g.Created.Unix())
	}
	b = binary.BigEndian.AppendUint64(b, created)
	b = append(b, byte(len(g.Bootstrap)))
	for _, p := range g.Bootstrap {
		b = append(b, p.NodeID[:]...)
		b = append(b, p.LinkKey[:]...)
		b = append(b, byte(len(p.Addrs)))
		for _, a := range p.Addrs {
			b = appendAddr(b, a)
		}
	}
	b = append(b, byte(len(g.Validators)))
	for _, v := range g.Validators {
		b = append(b, v.Key[:]...)
		b = append(b, v.NodeID[:]...)
		b = append(b, byte(len(v.Name)))
		b = append(b, v.Name...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(g.Ledger)))
	return append(b, g.Ledger...)
}

// appendAddr appends a's encoding: type(1) | key(32) or ip(4|16) | port(2),
// the same bytes as package record's.
func appendAddr(b []byte, a record.Addr) []byte {
	b = append(b, byte(a.Kind()))
	if id, ok := a.Onion(); ok {
		b = append(b, id[:]...)
	} else if ap, ok := a.TCP(); ok {
		b = append(b, ap.Addr().AsSlice()...)
	}
	return binary.BigEndian.AppendUint16(b, a.Port())
}

// compareAddr orders addresses by their encodings (as package record does).
func compareAddr(x, y record.Addr) int {
	var bx, by [maxAddrLen]byte
	return bytes.Compare(appendAddr(bx[:0], x), appendAddr(by[:0], y))
}

// UnmarshalCanonical decodes a canonical form. It returns an error wrapping
// ErrVersion, ErrMalformed (lengths, counts, trailing bytes, order) or
// ErrInvalid (a value that breaks a rule), and a nil genesis on error.
func UnmarshalCanonical(b []byte) (*Genesis, error) {
	if len(b) > MaxCanonicalSize {
		return nil, malformed("", "longer than MaxCanonicalSize")
	}
	if len(b) > 0 && b[0] != Version {
		return nil, &FieldError{Reason: "unknown canonical version", Class: ErrVersion}
	}
	d := decoder{b: b}
	g, err := d.genesis()
	if err != nil {
		return nil, err
	}
	if len(d.b) != 0 {
		return nil, malformed("", "trailing bytes")
	}
	return g.canonical()
}

// decoder reads the canonical form front to back. Each method consumes
// what it reads from b.
type decoder struct{ b []byte }

func (d *decoder) take(n int) ([]byte, bool) {
	if len(d.b) < n {
		return nil, false
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, true
}

// count reads a one-byte count in lo..hi.
func (d *decoder) count(field string, lo, hi int) (int, error) {
	v, ok := d.take(1)
	if !ok {
		return 0, malformed(field, "truncated")
	}
	if n := int(v[0]); n >= lo && n <= hi {
		return n, nil
	}
	return 0, malformed(field, "count out of range")
}

// name reads name_len | name with name_len in 1..hi.
func (d *decoder) name(field string, hi int) (string, error) {
	n, err := d.count(field, 1, hi)
	if err != nil {
		return "", err
	}
	v, ok := d.take(n)
	if !ok {
		return "", malformed(field, "truncated")
	}
	return string(v), nil
}

func (d *decoder) genesis() (*Genesis, error) {
	if _, ok := d.take(1); !ok {
		return nil, malformed("", "truncated")
	}
	name, err := d.name("name", MaxNameLen)
	if err != nil {
		return nil, err
	}
	g := &Genesis{Name: name}
	if g.Created, err = d.created(); err != nil {
		return nil, err
	}
	if g.Bootstrap, err = d.peers(); err != nil {
		return nil, err
	}
	if g.Validators, err = d.validators(); err != nil {
		return nil, err
	}
	if g.Ledger, err = d.ledger(); err != nil {
		return nil, err
	}
	return g, nil
}

// ledger reads ledger_len | ledger.
func (d *decoder) ledger() ([]byte, error) {
	v, ok := d.take(4)
	if !ok {
		return nil, malformed("ledger", "truncated")
	}
	n := binary.BigEndian.Uint32(v)
	if n > MaxLedgerSize {
		return nil, malformed("ledger", "longer than MaxLedgerSize")
	}
	if n == 0 {
		return nil, nil
	}
	l, ok := d.take(int(n))
	if !ok {
		return nil, malformed("ledger", "truncated")
	}
	return bytes.Clone(l), nil
}

func (d *decoder) created() (time.Time, error) {
	v, ok := d.take(8)
	if !ok {
		return time.Time{}, malformed("created", "truncated")
	}
	s := binary.BigEndian.Uint64(v)
	if s == 0 {
		return time.Time{}, nil
	}
	if s > maxCreated {
		return time.Time{}, invalid("created", "out of range (after 1970-01-01T00:00:00Z, up to 9999-12-31T23:59:59Z)")
	}
	return time.Unix(int64(s), 0).UTC(), nil
}

func (d *decoder) peers() ([]Peer, error) {
	n, err := d.count("bootstrap", 0, MaxBootstrap)
	if err != nil || n == 0 {
		return nil, err
	}
	ps := make([]Peer, n)
	for i := range ps {
		if err := d.peer(&ps[i], i); err != nil {
			return nil, err
		}
		if i > 0 {
			if err := orderErr(comparePeer(ps[i-1], ps[i]), index("bootstrap", i, "node")); err != nil {
				return nil, err
			}
		}
	}
	return ps, nil
}

func (d *decoder) peer(p *Peer, i int) error {
	v, ok := d.take(2 * KeySize)
	if !ok {
		return malformed(index("bootstrap", i, "node"), "truncated")
	}
	p.NodeID = identity.NodeID(v[:KeySize])
	p.LinkKey = [KeySize]byte(v[KeySize:])
	n, err := d.count(index("bootstrap", i, "addrs"), 1, record.MaxAddrs)
	if err != nil {
		return err
	}
	p.Addrs = make([]record.Addr, n)
	for j := range p.Addrs {
		if p.Addrs[j], err = d.addr(i, j); err != nil {
			return err
		}
		if j > 0 {
			if err := orderErr(compareAddr(p.Addrs[j-1], p.Addrs[j]), addrField(i, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// addr reads the j-th address of the i-th peer.
func (d *decoder) addr(i, j int) (record.Addr, error) {
	field := addrField(i, j)
	t, ok := d.take(1)
	if !ok {
		return record.Addr{}, malformed(field, "truncated")
	}
	n := addrBodyLen(record.AddrKind(t[0]))
	if n == 0 {
		return record.Addr{}, malformed(field, "unknown address type")
	}
	v, ok := d.take(n + 2)
	if !ok {
		return record.Addr{}, malformed(field, "truncated")
	}
	port := binary.BigEndian.Uint16(v[n:])
	switch record.AddrKind(t[0]) {
	case record.AddrOnion:
		return record.OnionAddr(identity.NodeID(v[:n]), port), nil
	case record.AddrIPv4:
		return record.TCPAddr(netip.AddrPortFrom(netip.AddrFrom4([4]byte(v[:n])), port)), nil
	}
	ip := netip.AddrFrom16([16]byte(v[:n]))
	if ip.Is4In6() {
		return record.Addr{}, invalid(field, "IPv4-mapped IPv6 address")
	}
	return record.TCPAddr(netip.AddrPortFrom(ip, port)), nil
}

// addrBodyLen is the body size of an address of kind k, 0 if k is unknown.
func addrBodyLen(k record.AddrKind) int {
	switch k {
	case record.AddrOnion:
		return KeySize
	case record.AddrIPv4:
		return 4
	case record.AddrIPv6:
		return 16
	}
	return 0
}

func (d *decoder) validators() ([]Validator, error) {
	n, err := d.count("validators", 0, MaxValidators)
	if err != nil || n == 0 {
		return nil, err
	}
	vs := make([]Validator, n)
	for i := range vs {
		v, ok := d.take(2 * KeySize)
		if !ok {
			return nil, malformed(index("validators", i, "key"), "truncated")
		}
		vs[i].Key = [KeySize]byte(v[:KeySize])
		vs[i].NodeID = identity.NodeID(v[KeySize:])
		if vs[i].Name, err = d.name(index("validators", i, "name"), MaxValidatorNameLen); err != nil {
			return nil, err
		}
		if i > 0 {
			if err := orderErr(compareValidator(vs[i-1], vs[i]), index("validators", i, "key")); err != nil {
				return nil, err
			}
		}
	}
	return vs, nil
}

// orderErr turns the comparison of an element with the one before it into
// an error unless the two are strictly ascending.
func orderErr(cmp int, field string) error {
	switch {
	case cmp == 0:
		return invalid(field, reasonDuplicate)
	case cmp > 0:
		return malformed(field, reasonOrder)
	}
	return nil
}
