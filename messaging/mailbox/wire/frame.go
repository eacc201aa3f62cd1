package wire

import (
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

// reader walks one frame's body (cellframe.Body) with the mailbox's
// field readers.
type reader struct{ cellframe.Body }

func (r *reader) envelope() []byte {
	n := r.U16()
	if r.Err || !envelope.ValidSize(n) {
		r.Err = true
		return nil
	}
	return r.Take(n)
}

func (r *reader) queue() (q QueueID) { copy(q[:], r.Take(QueueIDLen)); return q }
func (r *reader) secret() (s Secret) { copy(s[:], r.Take(SecretLen)); return s }
func (r *reader) auth() (a AuthHash) { copy(a[:], r.Take(AuthLen)); return a }
func (r *reader) msgID() (m MsgID)   { copy(m[:], r.Take(MsgIDLen)); return m }

// open checks a whole frame's header against its length and max, and
// returns a reader positioned after the type byte, and the type.
func open(frame []byte, max int) (*reader, byte, error) {
	b, typ, err := cellframe.Open(frame, max, ErrMalformed, ErrTooLarge)
	if err != nil {
		return nil, 0, err
	}
	return &reader{b}, typ, nil
}

// finish checks that the body was well formed and that what follows it is
// exactly the canonical zero padding.
func (r *reader) finish() error {
	if !r.Finish(paddedLen) {
		return ErrMalformed
	}
	return nil
}
