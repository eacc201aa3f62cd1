package peers

import (
	"context"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// Conn is an established link: *link.Link satisfies it, and so does the
// in-memory conn of package memnet.
type Conn interface {
	// Send writes one message; it may block while the peer is slow.
	Send(p []byte) error
	// Recv returns the next message; the slice is valid until the next call.
	Recv() ([]byte, error)
	Close() error
	Peer() link.PeerInfo
}

// statser is implemented by conns that count frames (*link.Link).
type statser interface{ Stats() link.Stats }

// Target is what a Dialer needs to reach a node and authenticate it.
type Target struct {
	NodeID  identity.NodeID
	LinkKey [32]byte
	Addrs   []record.Addr
}

// TargetOf is the target named by a verified peer record.
func TargetOf(r *record.Record) Target {
	return Target{NodeID: r.NodeID, LinkKey: r.LinkKey, Addrs: r.Addrs}
}

// Dialer opens an authenticated link to a target. The returned conn's
// Peer().NodeID must be t.NodeID (the Noise IK handshake guarantees it).
type Dialer interface {
	Dial(ctx context.Context, t Target) (Conn, error)
}

// DialerFunc adapts a function to Dialer.
type DialerFunc func(ctx context.Context, t Target) (Conn, error)

// Dial implements Dialer.
func (f DialerFunc) Dial(ctx context.Context, t Target) (Conn, error) { return f(ctx, t) }
