package wire

import (
	"encoding/binary"
	"errors"

	"github.com/warrennet/warren/messaging/cellframe"
	"github.com/warrennet/warren/messaging/envelope"
)

// Protocol constants.
const (
	// Unit is what frames are padded to a multiple of.
	Unit = cellframe.Unit
	// HeaderLen is the length prefix.
	HeaderLen = cellframe.HeaderLen
	// MaxRequestFrame bounds a frame sent to the mailbox: the largest
	// deposit (32 units).
	MaxRequestFrame = 32 * Unit
	// MaxResponseFrame bounds a frame sent to a client (135 units, just
	// over 64 KiB): a MSGS answer holds as many messages as fit.
	MaxResponseFrame = 135 * Unit
	// MaxWait is the longest long-poll a FETCH may ask for, in seconds.
	MaxWait = 60
	// MaxAck is the most IDs one ACK names.
	MaxAck = 64
	// MsgOverhead is what a message adds to a MSGS frame besides its
	// envelope (id and length).
	MsgOverhead = MsgIDLen + 2
	// MsgsHeader is a MSGS frame's fixed part: header, type and count.
	MsgsHeader = HeaderLen + 2
)

// Errors of the codec.
var (
	// ErrMalformed is any frame that breaks the grammar: bad length,
	// unknown type, bad field, wrong padding, trailing bytes.
	ErrMalformed = errors.New("mailbox/wire: malformed frame")
	// ErrTooLarge is a frame length above the reader's bound.
	ErrTooLarge = errors.New("mailbox/wire: frame too large")
	// ErrInvalid is returned by the encoders for a message that breaks
	// the protocol's bounds (the codec never sends what it would refuse).
	ErrInvalid = errors.New("mailbox/wire: invalid message")
)

// FrameLen checks a frame's 4-byte header and returns the whole frame's
// length (header included), which is at most max. Call it before
// allocating for the rest.
func FrameLen(hdr []byte, max int) (int, error) {
	return cellframe.Len(hdr, max, ErrMalformed, ErrTooLarge)
}

// paddedLen is the canonical length of a frame whose header, type and
// body take used bytes.
func paddedLen(used int) int { return cellframe.Units(used) }

// beginFrame appends the header placeholder and the type byte; it returns
// the extended slice and the frame's start.
func beginFrame(dst []byte, typ byte) ([]byte, int) { return cellframe.Begin(dst, typ) }

// endFrame pads the frame begun at start and fills in its header.
func endFrame(dst []byte, start int) []byte {
	return cellframe.End(dst, start, paddedLen(len(dst)-start))
}

// reader walks one frame's body. Every take is bounds-checked; once a
// take fails, err stays set and later takes return zero values.
type reader struct {
	b   []byte
	off int
	err bool
}

func (r *reader) take(n int) []byte {
	if r.err || n < 0 || len(r.b)-r.off < n {
		r.err = true
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

func (r *reader) u8() byte {
	s := r.take(1)
	if s == nil {
		return 0
	}
	return s[0]
}

func (r *reader) u16() int {
	s := r.take(2)
	if s == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(s))
}

func (r *reader) envelope() []byte {
	n := r.u16()
	if r.err || !envelope.ValidSize(n) {
		r.err = true
		return nil
	}
	return r.take(n)
}

func (r *reader) queue() (q QueueID) { copy(q[:], r.take(QueueIDLen)); return q }
func (r *reader) secret() (s Secret) { copy(s[:], r.take(SecretLen)); return s }
func (r *reader) auth() (a AuthHash) { copy(a[:], r.take(AuthLen)); return a }
func (r *reader) msgID() (m MsgID)   { copy(m[:], r.take(MsgIDLen)); return m }

// open checks a whole frame's header against its length and max, and
// returns a reader positioned after the type byte, and the type.
func open(frame []byte, max int) (*reader, byte, error) {
	total, err := FrameLen(frame, max)
	if err != nil {
		return nil, 0, err
	}
	if total != len(frame) {
		return nil, 0, ErrMalformed
	}
	return &reader{b: frame, off: HeaderLen + 1}, frame[HeaderLen], nil
}

// finish checks that the body was well formed and that what follows it is
// exactly the canonical zero padding.
func (r *reader) finish() error {
	if r.err || paddedLen(r.off) != len(r.b) {
		return ErrMalformed
	}
	for _, c := range r.b[r.off:] {
		if c != 0 {
			return ErrMalformed
		}
	}
	return nil
}
