package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/onion/tor"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
)

// DefaultOnionPort is the virtual port of a node's onion service.
const DefaultOnionPort = 9735

// bootstrapTimeout bounds waiting for tor to reach the network.
const bootstrapTimeout = 3 * time.Minute

// TorConfig says how a node uses tor. Zero fields take the defaults noted.
type TorConfig struct {
	// ControlAddr, when set, attaches to a running tor's control port
	// instead of launching one; ControlPassword is for password auth.
	ControlAddr     string
	ControlPassword []byte
	// TorPath is the tor binary to launch ("" = tor from PATH).
	TorPath string
	// ExtraTorrc lines join a private network (tests, demo, testnet).
	ExtraTorrc []string
	// OnionPort is the virtual port (default DefaultOnionPort).
	OnionPort int
	// Watchdog tunes the reachability watchdog (zero = its defaults).
	Watchdog tor.WatchdogConfig
	// Progress, if set, receives bootstrap progress while the node starts.
	Progress func(tor.Progress)
}

// onionTransport links through Tor: our link listener is our onion
// service, published from the node key, and peers are dialled at their
// .onion addresses, each through its own isolated circuit.
type onionTransport struct {
	n   *Node
	cfg TorConfig
	t   *tor.Tor
	ln  *tor.Listener
}

func (o *onionTransport) Name() string { return "onion" }

func (o *onionTransport) Listen(ctx context.Context) (net.Listener, record.Addr, error) {
	if err := o.start(ctx); err != nil {
		return nil, record.Addr{}, err
	}
	port := o.cfg.OnionPort
	if port == 0 {
		port = DefaultOnionPort
	}
	ln, err := o.t.Listen(ctx, tor.ListenConfig{Key: o.n.keys.Node, VirtualPort: port})
	if err != nil {
		return nil, record.Addr{}, err
	}
	o.ln = ln
	if err := o.t.StartWatchdog(ln, o.cfg.Watchdog); err != nil {
		return nil, record.Addr{}, err
	}
	return ln, record.OnionAddr(ln.NodeID(), uint16(port)), nil
}

// start launches or attaches to tor and waits for it to bootstrap.
func (o *onionTransport) start(ctx context.Context) error {
	var err error
	if o.cfg.ControlAddr != "" {
		o.t, err = tor.Attach(ctx, tor.AttachConfig{
			ControlAddr: o.cfg.ControlAddr, Password: o.cfg.ControlPassword,
			Logger: o.n.log, Rand: o.n.cfg.Rand, Now: o.n.cfg.Now,
		})
	} else {
		o.t, err = tor.Launch(ctx, tor.LaunchConfig{
			TorPath: o.cfg.TorPath, DataDir: filepath.Join(o.n.cfg.Dir, "tor"), ExtraTorrc: o.cfg.ExtraTorrc,
			Logger: o.n.log, Rand: o.n.cfg.Rand, Now: o.n.cfg.Now,
		})
	}
	if err != nil {
		return err
	}
	bctx, cancel := context.WithTimeout(ctx, bootstrapTimeout)
	defer cancel()
	report := o.cfg.Progress
	if report == nil {
		report = func(tor.Progress) {}
	}
	return o.t.Bootstrap(bctx, report)
}

// ListenerConfig: every conn from an onion service comes from tor on
// loopback, so per-source bounds would throttle everyone together; tor's
// proof-of-work defence takes their place.
func (o *onionTransport) ListenerConfig() link.ListenerConfig {
	return link.ListenerConfig{SourceKey: func(net.Addr) string { return "" }}
}

func (o *onionTransport) Dial(ctx context.Context, t peers.Target) (net.Conn, error) {
	for _, a := range t.Addrs {
		if id, ok := a.Onion(); ok {
			return o.t.Dial(ctx, id.Onion(), int(a.Port()), "link:"+t.NodeID.Onion())
		}
	}
	return nil, errors.New("peer record has no onion address")
}

func (o *onionTransport) Close() error {
	if o.t == nil {
		return nil
	}
	if err := o.t.Close(); err != nil {
		return fmt.Errorf("daemon: stop tor: %w", err)
	}
	return nil
}

// torStatus describes tor for the local API.
func (o *onionTransport) status() *api.Tor {
	if o.t == nil {
		return nil
	}
	s := o.t.Status()
	out := &api.Tor{
		Mode: string(s.Mode), PID: s.PID, Running: s.Running, Version: s.Version,
		VersionStatus: s.VersionStatus, Bootstrap: s.Bootstrap.Percent, BootstrapSummary: s.Bootstrap.Summary,
		Onion: s.Onion, Reachable: s.Reachable, LastProbe: s.LastProbe, LastSuccess: s.LastSuccess,
		Restarts: s.Restarts,
	}
	for _, e := range s.Events {
		out.Events = append(out.Events, api.TorEvent{At: e.Time, Action: e.Action.String(), Reason: e.Reason, Error: e.Err})
	}
	return out
}
