package ledgerwire

import (
	"encoding/binary"
	"errors"

	"github.com/warrennet/warren/messaging/cellframe"
)

// Protocol constants.
const (
	// Unit is what frames are padded to a multiple of.
	Unit = cellframe.Unit
	// HeaderLen is the length prefix.
	HeaderLen = cellframe.HeaderLen
	// MaxRequestFrame bounds a frame sent to a validator: the largest
	// mailbox deposit (32 units).
	MaxRequestFrame = 32 * Unit
	// MaxResponseFrame bounds a frame sent back (135 units, as the
	// mailbox's): a VOTES answer with refusals from many validators.
	MaxResponseFrame = 135 * Unit
)

// RequestUnits are the only sizes, in units, of a request frame: the cell
// counts of the mailbox deposits of envelope.Sizes.
var RequestUnits = [...]int{2, 8, 32}

// Errors of the codec.
var (
	// ErrMalformed is any frame that breaks the grammar: bad length,
	// unknown type, bad field, wrong padding, trailing bytes.
	ErrMalformed = errors.New("ledgerwire: malformed frame")
	// ErrTooLarge is a frame length above the reader's bound.
	ErrTooLarge = errors.New("ledgerwire: frame too large")
	// ErrInvalid is returned by the encoders for a message the decoder
	// would refuse.
	ErrInvalid = errors.New("ledgerwire: invalid message")
)

// FrameLen checks a frame's 4-byte header and returns the whole frame's
// length (header included), which is at most max and a whole number of
// units. Call it before allocating for the rest.
func FrameLen(hdr []byte, max int) (int, error) {
	return cellframe.Len(hdr, max, ErrMalformed, ErrTooLarge)
}

// responseLen is the canonical length of a response frame whose header,
// type and body take used bytes: whole units.
func responseLen(used int) int { return cellframe.Units(used) }

// requestLen is the canonical length of a request frame whose header,
// type and body take used bytes: the smallest of RequestUnits that
// holds it, or 0 if none does.
func requestLen(used int) int {
	for _, u := range RequestUnits {
		if used <= u*Unit {
			return u * Unit
		}
	}
	return 0
}

// beginFrame appends the header placeholder and the type byte; it returns
// the extended slice and the frame's start.
func beginFrame(dst []byte, typ byte) ([]byte, int) { return cellframe.Begin(dst, typ) }

// endFrame pads the frame begun at start to padded(used) bytes and fills
// in its header; it fails if that is 0 or above max.
func endFrame(dst []byte, start int, padded func(int) int, max int) ([]byte, error) {
	used := len(dst) - start
	total := padded(used)
	if total == 0 || total > max {
		return nil, ErrInvalid
	}
	return cellframe.End(dst, start, total), nil
}

// appendBlob appends len:u16 and b.
func appendBlob(dst, b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(dst, uint16(len(b))), b...)
}

// reader walks one frame's body (cellframe.Body) with the ledger's
// field readers.
type reader struct{ cellframe.Body }

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
// exactly the canonical zero padding, padded(r.Off) bytes in all.
func (r *reader) finish(padded func(int) int) error {
	if !r.Finish(padded) {
		return ErrMalformed
	}
	return nil
}
