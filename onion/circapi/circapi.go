// Package circapi is the whole of what messaging and the ledger may know
// about circuits: open a stream to a named service on a chosen relay,
// through a circuit kept apart from every other purpose; and, on a relay,
// offer a named service. The circuit manager (onion/circmgr) implements
// Dialer over real circuits; circapitest implements both sides in memory
// for the upper layers' tests.
//
// It owns no state and does no I/O (CloseOnce is a small wrapper): it is
// the seam, not an implementation.
package circapi

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/warrennet/warren/overlay/identity"
)

// Purpose isolates circuits: two opens share a circuit only if their
// purposes are equal (each contact, each payment order, each mailbox gets
// its own). Kind may be shown in listings; Key never is.
type Purpose struct {
	Kind string
	Key  string
	// Once marks a purpose that opens a single stream: its circuit is
	// closed when that stream closes, instead of being kept for reuse
	// until it idles out (a payment order, an invitation, creating a
	// queue). Without it, one-off purposes pile up circuits.
	Once bool
}

// StreamUnit is how many bytes of stream data one cell carries. Writing
// whole multiples of it fills every cell, so a protocol over streams that
// pads its frames to multiples of StreamUnit leaks only their size in
// cells. (onion/circuit's tests check that it equals cell.MaxData.)
const StreamUnit = 486

// Stream is a reliable, ordered byte stream to a service at the last hop.
// Close ends it; the other side reads io.EOF after what was written.
type Stream interface {
	io.ReadWriteCloser
}

// Dialer opens streams through circuits.
type Dialer interface {
	// Open opens a stream to service at the relay dest, over the circuit
	// of purpose p (built, or taken from the pre-built ones, if needed).
	Open(ctx context.Context, p Purpose, dest identity.NodeID, service string) (Stream, error)
}

// CloseOnce wraps s so that its Close runs once and later calls return
// the first result: a stream is closed by whichever of its owner, a
// timeout or a shutdown gets there first, and a Stream does not promise
// that a second Close is harmless.
func CloseOnce(s Stream) Stream { return &onceStream{Stream: s} }

type onceStream struct {
	Stream
	once sync.Once
	err  error
}

func (s *onceStream) Close() error {
	s.once.Do(func() { s.err = s.Stream.Close() })
	return s.err
}

// Handler serves one stream a client opened; it owns the stream.
type Handler func(s Stream)

// Host offers services at this node's end of circuits.
type Host interface {
	// Handle registers (or replaces) the service called name.
	Handle(name string, h Handler)
}

// Errors a Dialer returns, so callers can branch on them.
var (
	ErrUnknownRelay = errors.New("circapi: no usable record for that relay")
	ErrNoService    = errors.New("circapi: the relay offers no such service")
)
