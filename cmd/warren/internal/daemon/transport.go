package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
)

// transport is how this node's links are reached and how it reaches others:
// plain TCP (tests, local benchmarks, a trusted LAN) or Tor onion services.
type transport interface {
	// Listen starts accepting conns and says what address goes in the
	// node's record.
	Listen(ctx context.Context) (net.Listener, record.Addr, error)
	// ListenerConfig bounds the link listener for this transport.
	ListenerConfig() link.ListenerConfig
	// Dial opens a conn to the node t names.
	Dial(ctx context.Context, t peers.Target) (net.Conn, error)
	// Name is "tcp" or "onion", for status.
	Name() string
	Close() error
}

// tcpTransport links over plain TCP. Peers learn each other's IP address:
// use it on loopback or a network you trust, not to hide where you run.
type tcpTransport struct{ addr string }

func (t *tcpTransport) Name() string { return "tcp" }

func (t *tcpTransport) Listen(context.Context) (net.Listener, record.Addr, error) {
	ln, err := net.Listen("tcp", t.addr)
	if err != nil {
		return nil, record.Addr{}, fmt.Errorf("daemon: listen for links: %w", err)
	}
	addr, err := record.ParseAddr(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, record.Addr{}, err
	}
	return ln, addr, nil
}

func (t *tcpTransport) ListenerConfig() link.ListenerConfig { return link.ListenerConfig{} }

func (t *tcpTransport) Dial(ctx context.Context, target peers.Target) (net.Conn, error) {
	for _, a := range target.Addrs {
		if ap, ok := a.TCP(); ok {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", ap.String())
		}
	}
	return nil, errors.New("the peer has no TCP address")
}

func (t *tcpTransport) Close() error { return nil }
