package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"

	"github.com/warrennet/warren/overlay/identity"
)

// AddrKind is an address's wire type.
type AddrKind uint8

// Address kinds (wire type byte).
const (
	AddrOnion AddrKind = 1 // the node's own .onion address and a port
	AddrIPv4  AddrKind = 2 // TCP over IPv4
	AddrIPv6  AddrKind = 3 // TCP over IPv6 (never an IPv4-mapped address)
)

func (k AddrKind) String() string {
	switch k {
	case AddrOnion:
		return "onion"
	case AddrIPv4:
		return "ipv4"
	case AddrIPv6:
		return "ipv6"
	}
	return "invalid"
}

// Addr is one way to reach a node: its onion service or a TCP address. It is
// a comparable value; the zero Addr is invalid.
type Addr struct {
	kind  AddrKind
	onion identity.NodeID
	ip    netip.Addr
	port  uint16
}

// OnionAddr is the onion address id.onion:port. In a record, id must be the
// record's NodeID.
func OnionAddr(id identity.NodeID, port uint16) Addr {
	return Addr{kind: AddrOnion, onion: id, port: port}
}

// TCPAddr is a TCP address. An IPv4-mapped IPv6 address becomes IPv4 and any
// zone is dropped (neither can be encoded). An invalid ap gives the zero
// (invalid) Addr.
func TCPAddr(ap netip.AddrPort) Addr {
	ip := ap.Addr().Unmap().WithZone("")
	switch {
	case ip.Is4():
		return Addr{kind: AddrIPv4, ip: ip, port: ap.Port()}
	case ip.Is6():
		return Addr{kind: AddrIPv6, ip: ip, port: ap.Port()}
	}
	return Addr{}
}

// ErrBadAddr is returned by ParseAddr. It never quotes the input.
var ErrBadAddr = errors.New("record: cannot parse address")

// ParseAddr parses the String form: "<56 base32>.onion:port", "ip:port" or
// "[ipv6]:port". A port of 0 is refused. The result goes through TCPAddr's
// normalisation (IPv4-mapped IPv6 becomes IPv4, zones are refused here).
func ParseAddr(s string) (Addr, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return Addr{}, ErrBadAddr
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil || port == 0 {
		return Addr{}, ErrBadAddr
	}
	if host := s[:i]; strings.HasSuffix(strings.ToLower(host), ".onion") {
		id, err := identity.ParseNodeID(host)
		if err != nil {
			return Addr{}, ErrBadAddr
		}
		return OnionAddr(id, uint16(port)), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Addr().Zone() != "" {
		return Addr{}, ErrBadAddr
	}
	return TCPAddr(ap), nil
}

// Kind returns the address kind (0 for the zero Addr).
func (a Addr) Kind() AddrKind { return a.kind }

// Port returns the port.
func (a Addr) Port() uint16 { return a.port }

// Onion returns the onion address's node ID, if a is an onion address.
func (a Addr) Onion() (identity.NodeID, bool) { return a.onion, a.kind == AddrOnion }

// TCP returns the IP address and port, if a is a TCP address.
func (a Addr) TCP() (netip.AddrPort, bool) {
	if a.kind != AddrIPv4 && a.kind != AddrIPv6 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.ip, a.port), true
}

// IsLoopback reports whether a is a TCP address on a loopback IP. The codec
// accepts any IP; whether to dial or accept loopback (or private) addresses
// is the caller's policy.
func (a Addr) IsLoopback() bool {
	ap, ok := a.TCP()
	return ok && ap.Addr().IsLoopback()
}

// String returns the dialable form: "<id>.onion:port" or "ip:port"
// ("[ip]:port" for IPv6). It is a public address; keep it out of logs above
// Debug and out of errors (LogValue is redacted).
func (a Addr) String() string {
	switch a.kind {
	case AddrOnion:
		return a.onion.Onion() + ":" + strconv.Itoa(int(a.port))
	case AddrIPv4, AddrIPv6:
		return netip.AddrPortFrom(a.ip, a.port).String()
	}
	return "invalid"
}

// LogValue logs only the kind of address.
func (a Addr) LogValue() slog.Value { return slog.StringValue(a.kind.String()) }

var _ slog.LogValuer = Addr{}

// encodedLen is the size of a's encoding, 0 if a cannot be encoded.
func (a Addr) encodedLen() int {
	switch a.kind {
	case AddrOnion:
		return 1 + KeySize + 2
	case AddrIPv4:
		return 1 + 4 + 2
	case AddrIPv6:
		return 1 + 16 + 2
	}
	return 0
}

// check validates a on its own and as an address of node.
func (a Addr) check(node identity.NodeID) error {
	if a.port == 0 {
		return errPort
	}
	switch a.kind {
	case AddrOnion:
		if a.onion != node {
			return errForeignOnion
		}
	case AddrIPv4:
		if !a.ip.Is4() {
			return errAddrType
		}
	case AddrIPv6:
		if !a.ip.Is6() || a.ip.Is4In6() || a.ip.Zone() != "" {
			return errMappedIPv6
		}
	default:
		return errAddrType
	}
	return nil
}

// appendAddr appends a's encoding: type(1) | key(32) or ip(4|16) | port(2).
func appendAddr(b []byte, a Addr) []byte {
	b = append(b, byte(a.kind))
	switch a.kind {
	case AddrOnion:
		b = append(b, a.onion[:]...)
	case AddrIPv4:
		v := a.ip.As4()
		b = append(b, v[:]...)
	case AddrIPv6:
		v := a.ip.As16()
		b = append(b, v[:]...)
	}
	return binary.BigEndian.AppendUint16(b, a.port)
}

// compareAddr orders addresses by their encodings.
func compareAddr(x, y Addr) int {
	var bx, by [maxAddrLen]byte
	return bytes.Compare(appendAddr(bx[:0], x), appendAddr(by[:0], y))
}

// decodeAddr reads one address from the front of b and returns the rest.
func decodeAddr(b []byte) (Addr, []byte, error) {
	if len(b) < 1 {
		return Addr{}, nil, errTruncated
	}
	a := Addr{kind: AddrKind(b[0])}
	n := a.encodedLen()
	if n == 0 {
		return Addr{}, nil, errAddrType
	}
	if len(b) < n {
		return Addr{}, nil, errTruncated
	}
	body := b[1 : n-2]
	switch a.kind {
	case AddrOnion:
		a.onion = identity.NodeID(body)
	case AddrIPv4:
		a.ip = netip.AddrFrom4([4]byte(body))
	case AddrIPv6:
		a.ip = netip.AddrFrom16([16]byte(body))
	}
	a.port = binary.BigEndian.Uint16(b[n-2:])
	return a, b[n:], nil
}
