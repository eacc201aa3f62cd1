package cell

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every decoding or encoding error matches exactly one of
// ErrMalformed, ErrUnknownCommand or ErrNotAllowed under errors.Is; a length
// beyond its maximum also matches ErrTooLong (and ErrMalformed). Error
// strings name fields, lengths and commands, never circuit or stream IDs.
var (
	// ErrMalformed: the bytes (or the values handed to an encoder) break
	// the grammar: a wrong total length, a bad circuit or stream ID, a
	// declared length beyond the data, non-zero padding, an unknown
	// reason, a bad service name, or a body decoder called on a cell or
	// message of another command.
	ErrMalformed = errors.New("cell: malformed")
	// ErrUnknownCommand: the cell command or relay command is not one this
	// version knows.
	ErrUnknownCommand = errors.New("cell: unknown command")
	// ErrNotAllowed: a known relay command that the caller's CmdSet does
	// not allow in its current state.
	ErrNotAllowed = errors.New("cell: relay command not allowed")
	// ErrTooLong: a length (declared in the bytes or given to an encoder)
	// exceeds its maximum. Errors matching it also match ErrMalformed.
	ErrTooLong = errors.New("cell: too long")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// lengthError reports a length beyond its maximum; it matches both
// ErrTooLong and ErrMalformed.
type lengthError struct {
	what   string
	n, max int
}

func (e *lengthError) Error() string {
	return fmt.Sprintf("cell: %s of %d bytes exceeds %d", e.what, e.n, e.max)
}

func (e *lengthError) Unwrap() []error { return []error{ErrTooLong, ErrMalformed} }

func tooLong(what string, n, max int) error { return &lengthError{what, n, max} }

func unknownCommand(n uint8) error { return fmt.Errorf("%w: cell command %d", ErrUnknownCommand, n) }

func unknownRelayCmd(n uint8) error { return fmt.Errorf("%w: relay command %d", ErrUnknownCommand, n) }
