package wire

import (
	"errors"
	"fmt"

	"github.com/warrennet/warren/overlay/record"

	linkwire "github.com/warrennet/warren/overlay/link/wire"
)

// Type is the first byte of a gossip message.
type Type uint8

// Message types. Values are part of the wire format and share the link
// message type space (package msg).
const (
	TypePush  Type = 0x10 // RECORDS_PUSH: unsolicited records
	TypeGet   Type = 0x11 // GET_RECORDS: ask for up to want records
	TypeReply Type = 0x12 // RECORDS_REPLY: records answering a GET_RECORDS
)

// Spec constants.
const (
	// MaxRequest is the most records one GET_RECORDS may ask for.
	MaxRequest = 1000
	// FlagDone marks the last RECORDS_REPLY answering a GET_RECORDS.
	FlagDone = 0x01

	// MaxPayload is the largest link payload, so the largest message.
	MaxPayload = linkwire.MaxSize
	// PushHeaderLen, ReplyHeaderLen and GetLen are the fixed parts.
	PushHeaderLen  = 1 + 2
	ReplyHeaderLen = 1 + 1 + 2
	GetLen         = 1 + 2
	// LengthLen is the size of each record's length prefix.
	LengthLen = 2
	// MaxRecords is the most records a message can hold: all of
	// record.MinSize in the largest payload. Decoders refuse a larger count
	// before allocating.
	MaxRecords = (MaxPayload - PushHeaderLen) / (LengthLen + record.MinSize)
)

// Errors. Every decoding failure wraps ErrMalformed except a record longer
// than record.MaxSize in an otherwise well-formed message, which is
// ErrOversize.
var (
	ErrMalformed = errors.New("gossip/wire: malformed message")
	ErrOversize  = errors.New("gossip/wire: record longer than record.MaxSize")
)

// Detail errors, made once so that rejecting input does not allocate.
var (
	errEmpty     = fmt.Errorf("%w: empty", ErrMalformed)
	errType      = fmt.Errorf("%w: wrong message type", ErrMalformed)
	errTruncated = fmt.Errorf("%w: truncated", ErrMalformed)
	errTrailing  = fmt.Errorf("%w: trailing bytes", ErrMalformed)
	errCount     = fmt.Errorf("%w: record count out of range", ErrMalformed)
	errUndersize = fmt.Errorf("%w: record shorter than record.MinSize", ErrMalformed)
	errFlags     = fmt.Errorf("%w: unknown flags", ErrMalformed)
	errWant      = fmt.Errorf("%w: request out of range", ErrMalformed)
	errTooLarge  = fmt.Errorf("%w: message longer than MaxPayload", ErrMalformed)
)

// checkLen classifies one record length.
func checkLen(n int) error {
	switch {
	case n < record.MinSize:
		return errUndersize
	case n > record.MaxSize:
		return ErrOversize
	}
	return nil
}

// headerLen is the fixed part of a records message of type t.
func headerLen(t Type) int {
	if t == TypeReply {
		return ReplyHeaderLen
	}
	return PushHeaderLen
}
