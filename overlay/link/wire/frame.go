package wire

import (
	"encoding/binary"
	"errors"
)

// Frame sizes. A frame body is padded to one of these plaintext sizes, so
// every frame on the wire is one of NumSizes lengths (WireSizes).
const (
	// CellSize is the smallest frame body and the size of a circuit cell.
	CellSize = 512
	// MediumSize and LargeSize sit between cells and bulk frames.
	MediumSize = 2048
	LargeSize  = 16384
	// MaxSize is the largest body: Noise limits a transport message to
	// 65535 bytes including its 16-byte tag.
	MaxSize = 65535 - TagLen
	// NumSizes is the number of frame size classes.
	NumSizes = 4
)

// Header sizes (link wire format v2). A frame on the wire is
//
//	masked header (MaskedHeaderLen) || sealed body (class size + TagLen)
//
// The header is not sealed on its own: it is the additional data of the
// body's AEAD, and travels XORed with a mask computed from the first
// SampleLen bytes of the sealed body (header protection, as in QUIC; the
// mask is package link's business). A receiver reads PrefixLen bytes (the
// masked header and the sample), unmasks and checks the header, and only
// then reads the rest of the body.
const (
	// HeaderLen is the plaintext header: type, class, length.
	HeaderLen = 4
	// MaskedHeaderLen is the header on the wire: the same 4 bytes, masked.
	MaskedHeaderLen = HeaderLen
	// SampleLen is how many bytes of the sealed body the mask is computed
	// from; every body is at least CellSize long, so they always exist.
	SampleLen = 16
	// PrefixLen is what a receiver reads before it can check a header.
	PrefixLen = MaskedHeaderLen + SampleLen
)

// FrameSizes lists the body sizes by class, smallest first. It is a copy
// for callers; the codec never reads it.
var FrameSizes = [NumSizes]int{CellSize, MediumSize, LargeSize, MaxSize}

// WireSizes lists the on-wire size of a frame of each class: masked
// header, sealed body, body tag (532, 2068, 16404, 65539). Every frame on
// the wire has one of these lengths.
var WireSizes = [NumSizes]int{
	MaskedHeaderLen + CellSize + TagLen,
	MaskedHeaderLen + MediumSize + TagLen,
	MaskedHeaderLen + LargeSize + TagLen,
	MaskedHeaderLen + MaxSize + TagLen,
}

// MaxWireFrame is the largest frame on the wire.
const MaxWireFrame = MaskedHeaderLen + MaxSize + TagLen

// SizeOf returns the body size of class c, or 0 if c is not a class.
func SizeOf(c uint8) int {
	switch c {
	case 0:
		return CellSize
	case 1:
		return MediumSize
	case 2:
		return LargeSize
	case 3:
		return MaxSize
	}
	return 0
}

// ClassFor returns the smallest class whose body holds n bytes.
func ClassFor(n int) (uint8, bool) {
	for c := uint8(0); c < NumSizes; c++ {
		if n >= 0 && n <= SizeOf(c) {
			return c, true
		}
	}
	return 0, false
}

// FrameType says what a frame carries.
type FrameType uint8

// Frame types. Only data frames carry a payload.
const (
	FrameData      FrameType = 1 // payload for the caller
	FrameKeepalive FrameType = 2 // nothing; keeps the peer's idle timer fed
	FrameRekey     FrameType = 3 // sender rekeys its sending key after this frame
	FrameClose     FrameType = 4 // orderly close; nothing follows
)

// Header is the plaintext frame header: type, size class, payload length.
// Byte layout: type(1) class(1) length(2, big-endian). On the wire it is
// masked, and authenticated as the body's additional data.
type Header struct {
	Type   FrameType
	Class  uint8
	Length uint16
}

// Errors returned by ParseHeader.
var (
	ErrFrameType  = errors.New("wire: unknown frame type")
	ErrClass      = errors.New("wire: unknown frame size class")
	ErrOversize   = errors.New("wire: payload longer than its frame")
	ErrControlLen = errors.New("wire: control frame with a payload")
)

// Put encodes h into b.
func (h Header) Put(b *[HeaderLen]byte) {
	b[0] = byte(h.Type)
	b[1] = h.Class
	binary.BigEndian.PutUint16(b[2:], h.Length)
}

// BodyLen is the padded body size of h's class.
func (h Header) BodyLen() int { return SizeOf(h.Class) }

// ParseHeader decodes exactly HeaderLen bytes. It refuses unknown types and
// classes, a length beyond the class size, and a control frame (anything
// but data) with a non-zero length. A payload in a larger class than it
// needs (a 10-byte payload in a 16,384-byte frame, a keepalive in a
// class-3 frame) is accepted on purpose: senders may pad up as cover
// traffic or traffic shaping, and every class is one of the NumSizes
// lengths an observer already sees. Only the smallest class is canonical
// for ClassFor, which Warren's own sender uses.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrTruncated
	}
	if len(b) > HeaderLen {
		return Header{}, ErrTrailing
	}
	h := Header{Type: FrameType(b[0]), Class: b[1], Length: binary.BigEndian.Uint16(b[2:])}
	if h.Type < FrameData || h.Type > FrameClose {
		return Header{}, ErrFrameType
	}
	size := SizeOf(h.Class)
	if size == 0 {
		return Header{}, ErrClass
	}
	if int(h.Length) > size {
		return Header{}, ErrOversize
	}
	if h.Type != FrameData && h.Length != 0 {
		return Header{}, ErrControlLen
	}
	return h, nil
}
