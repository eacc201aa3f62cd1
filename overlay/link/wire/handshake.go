package wire

import (
	"encoding/binary"
	"errors"
)

// Kind is the cleartext byte at the start of every handshake envelope. It
// names the Noise pattern and the message's position in it, so a responder
// knows which pattern to run and a message in the wrong state is refused
// before any cryptography.
type Kind uint8

// Handshake message kinds.
const (
	KindIK1 Kind = 0x11 // IK message 1, initiator -> responder
	KindIK2 Kind = 0x12 // IK message 2, responder -> initiator
	KindNK1 Kind = 0x21 // NK message 1, anonymous initiator -> responder
	KindNK2 Kind = 0x22 // NK message 2, responder -> anonymous initiator
)

// Noise constants for 25519 with a 16-byte AEAD tag.
const (
	DHLen  = 32 // X25519 public key
	TagLen = 16 // AES-GCM tag
)

// Payload sizes.
const (
	// CertLen is the size of an encoded LinkCert: node key then signature.
	CertLen = 32 + 64
	// InitPayloadLen is the size of the IK message-1 payload.
	InitPayloadLen = 8 + CertLen
	// RespPayloadLen is the size of the message-2 payload (IK and NK).
	RespPayloadLen = CertLen
)

// Envelope sizes. Each kind has exactly one legal body length.
const (
	EnvelopeHeaderLen = 3
	// IK1: e, encrypted s, encrypted payload.
	IK1Len = DHLen + DHLen + TagLen + InitPayloadLen + TagLen
	// IK2: e, encrypted payload.
	IK2Len = DHLen + RespPayloadLen + TagLen
	// NK1: e, encrypted empty payload (a tag only).
	NK1Len = DHLen + TagLen
	// NK2: e, encrypted payload.
	NK2Len = DHLen + RespPayloadLen + TagLen
	// MaxHandshakeMessage bounds every handshake body; a reader needs no
	// buffer larger than EnvelopeHeaderLen+MaxHandshakeMessage.
	MaxHandshakeMessage = IK1Len
)

// Errors returned by the decoders in this package.
var (
	ErrTruncated = errors.New("wire: message truncated")
	ErrTrailing  = errors.New("wire: trailing bytes")
	ErrKind      = errors.New("wire: unknown or unexpected message kind")
	ErrLength    = errors.New("wire: declared length invalid for kind")
	ErrNodeKey   = errors.New("wire: invalid node key")
	ErrTimestamp = errors.New("wire: zero timestamp")
)

// BodyLen returns the one legal body length of kind k, or 0 and false if k
// is not a known kind.
func BodyLen(k Kind) (int, bool) {
	switch k {
	case KindIK1:
		return IK1Len, true
	case KindIK2:
		return IK2Len, true
	case KindNK1:
		return NK1Len, true
	case KindNK2:
		return NK2Len, true
	}
	return 0, false
}

// ParseEnvelopeHeader decodes the 3-byte cleartext envelope header: a kind
// byte and a big-endian uint16 body length. It fails unless the kind is
// known and the length is exactly BodyLen(kind), so a reader can size its
// read from the result without further checks.
func ParseEnvelopeHeader(b []byte) (Kind, int, error) {
	if len(b) < EnvelopeHeaderLen {
		return 0, 0, ErrTruncated
	}
	if len(b) > EnvelopeHeaderLen {
		return 0, 0, ErrTrailing
	}
	k := Kind(b[0])
	want, ok := BodyLen(k)
	if !ok {
		return 0, 0, ErrKind
	}
	if int(binary.BigEndian.Uint16(b[1:])) != want {
		return 0, 0, ErrLength
	}
	return k, want, nil
}

// AppendEnvelope appends the envelope header for kind k and then body. It
// does not check that len(body) is legal for k; ParseEnvelope does.
func AppendEnvelope(dst []byte, k Kind, body []byte) []byte {
	dst = append(dst, byte(k), byte(len(body)>>8), byte(len(body)))
	return append(dst, body...)
}

// ParseEnvelope decodes a whole envelope. The returned body aliases b.
func ParseEnvelope(b []byte) (Kind, []byte, error) {
	if len(b) < EnvelopeHeaderLen {
		return 0, nil, ErrTruncated
	}
	k, n, err := ParseEnvelopeHeader(b[:EnvelopeHeaderLen])
	if err != nil {
		return 0, nil, err
	}
	rest := b[EnvelopeHeaderLen:]
	if len(rest) < n {
		return 0, nil, ErrTruncated
	}
	if len(rest) > n {
		return 0, nil, ErrTrailing
	}
	return k, rest, nil
}
