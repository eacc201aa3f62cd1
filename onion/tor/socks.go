package tor

import (
	"encoding/binary"
	"fmt"
)

// The SOCKS5 client codec (RFC 1928, RFC 1929 for username/password) and
// tor's extended reply codes (proposal 304). A leaf: no I/O. Decoders take
// exactly one message, reject trailing bytes and non-canonical forms, and
// return the zero value on error.

// SOCKS5 wire constants.
const (
	socksVersion     = 0x05
	socksAuthVersion = 0x01 // RFC 1929 sub-negotiation version
	socksNoAuth      = 0x00
	socksUserPass    = 0x02
	socksNoMethod    = 0xFF
	socksConnect     = 0x01
	socksATypIPv4    = 0x01
	socksATypDomain  = 0x03
	socksATypIPv6    = 0x04
	socksSucceeded   = 0x00
	socksReplyHead   = 5 // VER REP RSV ATYP + first address byte
	socksMaxField    = 255
	socksMaxReply    = 4 + 1 + socksMaxField + 2
)

var errSOCKSFormat = fmt.Errorf("%w: malformed reply from the SOCKS port", ErrSOCKS)

// appendGreeting appends the method-selection request offering one method.
func appendGreeting(b []byte, method byte) []byte {
	return append(b, socksVersion, 1, method)
}

// parseMethodReply parses the 2-byte method-selection reply.
func parseMethodReply(b []byte) (byte, error) {
	if len(b) != 2 || b[0] != socksVersion {
		return 0, errSOCKSFormat
	}
	if b[1] == socksNoMethod {
		return 0, fmt.Errorf("%w: SOCKS port accepts none of our methods", ErrSOCKS)
	}
	return b[1], nil
}

// appendUserPass appends an RFC 1929 username/password request. Both
// fields are 1-255 bytes.
func appendUserPass(b []byte, user, pass string) ([]byte, error) {
	if len(user) == 0 || len(user) > socksMaxField || len(pass) == 0 || len(pass) > socksMaxField {
		return nil, fmt.Errorf("%w: SOCKS username/password length", ErrSOCKS)
	}
	b = append(b, socksAuthVersion, byte(len(user)))
	b = append(b, user...)
	b = append(b, byte(len(pass)))
	return append(b, pass...), nil
}

// parseAuthReply parses the 2-byte RFC 1929 reply; status 0 is success.
func parseAuthReply(b []byte) error {
	if len(b) != 2 || b[0] != socksAuthVersion {
		return errSOCKSFormat
	}
	if b[1] != 0 {
		return fmt.Errorf("%w: SOCKS port refused our credentials", ErrSOCKS)
	}
	return nil
}

// appendConnect appends a CONNECT request to a domain name (tor resolves
// .onion names itself; we never send an IP).
func appendConnect(b []byte, host string, port uint16) ([]byte, error) {
	if len(host) == 0 || len(host) > socksMaxField || port == 0 {
		return nil, fmt.Errorf("%w: bad CONNECT target", ErrSOCKS)
	}
	b = append(b, socksVersion, socksConnect, 0, socksATypDomain, byte(len(host)))
	b = append(b, host...)
	return binary.BigEndian.AppendUint16(b, port), nil
}

// socksReply is a decoded CONNECT reply.
type socksReply struct {
	Code byte   // REP
	ATyp byte   // address type of BND.ADDR
	Addr []byte // BND.ADDR (4 or 16 bytes, or 1-255 name bytes)
	Port uint16 // BND.PORT
}

// replyLen returns the total length of a reply from its first
// socksReplyHead bytes, so the reader knows how much more to read.
func replyLen(head []byte) (int, error) {
	if len(head) != socksReplyHead || head[0] != socksVersion || head[2] != 0 {
		return 0, errSOCKSFormat
	}
	switch head[3] {
	case socksATypIPv4:
		return 4 + 4 + 2, nil
	case socksATypIPv6:
		return 4 + 16 + 2, nil
	case socksATypDomain:
		if head[4] == 0 {
			return 0, errSOCKSFormat
		}
		return 4 + 1 + int(head[4]) + 2, nil
	}
	return 0, errSOCKSFormat
}

// decodeReply decodes exactly one CONNECT reply.
func decodeReply(b []byte) (socksReply, error) {
	if len(b) < socksReplyHead || len(b) > socksMaxReply {
		return socksReply{}, errSOCKSFormat
	}
	n, err := replyLen(b[:socksReplyHead])
	if err != nil || n != len(b) {
		return socksReply{}, errSOCKSFormat
	}
	addr := b[4 : n-2]
	if b[3] == socksATypDomain {
		addr = addr[1:]
	}
	return socksReply{
		Code: b[1],
		ATyp: b[3],
		Addr: append([]byte(nil), addr...),
		Port: binary.BigEndian.Uint16(b[n-2:]),
	}, nil
}

// encodeReply is decodeReply's inverse (for tests, fuzzing and fakes).
func encodeReply(r socksReply) ([]byte, error) {
	b := []byte{socksVersion, r.Code, 0, r.ATyp}
	switch {
	case r.ATyp == socksATypIPv4 && len(r.Addr) == 4, r.ATyp == socksATypIPv6 && len(r.Addr) == 16:
	case r.ATyp == socksATypDomain && len(r.Addr) > 0 && len(r.Addr) <= socksMaxField:
		b = append(b, byte(len(r.Addr)))
	default:
		return nil, errSOCKSFormat
	}
	b = append(b, r.Addr...)
	return binary.BigEndian.AppendUint16(b, r.Port), nil
}

// socksReplyText describes a reply code without naming the target.
func socksReplyText(code byte) string {
	switch code {
	case 0x01:
		return "SOCKS general failure (tor could not complete the stream)"
	case 0x02:
		return "connection not allowed by tor"
	case 0x03:
		return "network unreachable"
	case 0x04:
		return "host unreachable"
	case 0x05:
		return "connection refused by onion service (nothing listens on that port)"
	case 0x06:
		return "onion service unreachable (TTL expired: circuit timed out)"
	case 0x07:
		return "SOCKS command not supported"
	case 0x08:
		return "SOCKS address type not supported"
	}
	if t, ok := extendedReplyText[code]; ok {
		return t
	}
	return "unknown SOCKS failure"
}

// extendedReplyText: tor's onion-service codes (proposal 304, tor's
// socks5 ExtendedErrors).
var extendedReplyText = map[byte]string{
	0xF0: "onion service unreachable: descriptor not found",
	0xF1: "onion service unreachable: descriptor is invalid",
	0xF2: "onion service unreachable: introduction failed",
	0xF3: "onion service unreachable: rendezvous failed",
	0xF4: "onion service needs client authorization",
	0xF5: "onion service rejected our client authorization",
	0xF6: "invalid onion address",
	0xF7: "onion service unreachable: introduction timed out",
}

// socksReplyClass maps a failure code to the sentinel callers branch on.
func socksReplyClass(code byte) error {
	switch code {
	case 0x03, 0x04, 0x06, 0xF0, 0xF1, 0xF2, 0xF3, 0xF7:
		return ErrUnreachable
	case 0x05:
		return ErrRefused
	case 0xF6:
		return ErrAddress
	}
	return ErrSOCKS
}

// replyError returns nil for success, else a *SOCKSError.
func replyError(r socksReply) error {
	if r.Code == socksSucceeded {
		return nil
	}
	return &SOCKSError{Code: r.Code}
}
