// Package msg is the codec for the messages that overlay links carry: the
// first byte of every link frame's payload says what the rest is.
//
// PING and PONG measure a link's round-trip time end to end through the
// Noise session; PROTO, the first message on every link, says whether the
// link carries overlay messages or circuit cells. Later layers (gossip, circuit
// cells) take their own type numbers here, so a link's reader can dispatch
// on one byte and close the link on anything it does not know.
//
// This is a leaf: no I/O, no state; safe for concurrent use.
package msg

import (
	"encoding/binary"
	"errors"
)

// Type is the first byte of a link message.
type Type uint8

// Message types. Values are part of the wire format.
const (
	TypePing Type = 0x01
	TypePong Type = 0x02
	// TypeProto is the first message the dialer of every link sends: the
	// protocol the link carries from then on (one byte, a Proto).
	TypeProto Type = 0x03
)

// Proto says what a link carries.
type Proto uint8

// Protocols. Values are part of the wire format.
const (
	ProtoOverlay  Proto = 1 // overlay messages: ping, gossip
	ProtoCircuits Proto = 2 // circuit cells, one per frame
)

// protoLen is the encoded size of PROTO.
const protoLen = 2

// AppendProto appends the PROTO message announcing p.
func AppendProto(dst []byte, p Proto) []byte { return append(dst, byte(TypeProto), byte(p)) }

// pingLen is the encoded size of PING and PONG: type and an 8-byte nonce.
const pingLen = 1 + 8

// Errors returned by Parse.
var (
	ErrEmpty       = errors.New("msg: empty message")
	ErrUnknownType = errors.New("msg: unknown message type")
	ErrLength      = errors.New("msg: wrong length for message type")
)

// Msg is a decoded link message.
type Msg struct {
	Type  Type
	Nonce uint64 // PING, PONG
	Proto Proto  // PROTO
}

// AppendPing appends a PING with nonce to dst.
func AppendPing(dst []byte, nonce uint64) []byte { return appendNonce(dst, TypePing, nonce) }

// AppendPong appends the PONG answering a PING with nonce.
func AppendPong(dst []byte, nonce uint64) []byte { return appendNonce(dst, TypePong, nonce) }

func appendNonce(dst []byte, t Type, nonce uint64) []byte {
	dst = append(dst, byte(t))
	return binary.BigEndian.AppendUint64(dst, nonce)
}

// Append encodes m.
func (m Msg) Append(dst []byte) ([]byte, error) {
	switch m.Type {
	case TypePing, TypePong:
		return appendNonce(dst, m.Type, m.Nonce), nil
	case TypeProto:
		if m.Proto != ProtoOverlay && m.Proto != ProtoCircuits {
			return nil, ErrUnknownType
		}
		return AppendProto(dst, m.Proto), nil
	}
	return nil, ErrUnknownType
}

// Parse decodes one message; it rejects unknown types and any length other
// than the type's exact length.
func Parse(b []byte) (Msg, error) {
	if len(b) == 0 {
		return Msg{}, ErrEmpty
	}
	switch t := Type(b[0]); t {
	case TypePing, TypePong:
		if len(b) != pingLen {
			return Msg{}, ErrLength
		}
		return Msg{Type: t, Nonce: binary.BigEndian.Uint64(b[1:])}, nil
	case TypeProto:
		if len(b) != protoLen {
			return Msg{}, ErrLength
		}
		if p := Proto(b[1]); p == ProtoOverlay || p == ProtoCircuits {
			return Msg{Type: t, Proto: p}, nil
		}
	}
	return Msg{}, ErrUnknownType
}
