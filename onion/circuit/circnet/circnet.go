// Package circnet runs a local network of circuit relays over loopback
// TCP with real Noise links, in one process: for end-to-end tests, for
// `warren bench circuits`, and for anyone who wants to see circuits work
// without the overlay. Each relay has its own keys, signed record,
// listener, handshake server and circuit.Node; clients dial their first
// hop anonymously (NK), relays dial each other authenticated (IK).
//
// It owns the listeners, accept loops and nodes it starts, and Close
// stops them all. It does not gossip records: a client gets hops from
// Net.Hop. Addresses are always 127.0.0.1.
package circnet

import (
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// Options configure a Net. All optional.
type Options struct {
	// Configure adjusts relay i's circuit.Config before its node starts.
	Configure func(i int, c *circuit.Config)
	// Wrap wraps every link relay i serves (inbound and outbound).
	Wrap func(i int, c circuit.Conn) circuit.Conn
	// Now is every node's clock (time.Now).
	Now func() time.Time
}

// Net is a running local network of relays.
type Net struct {
	NetworkID [32]byte
	Relays    []*Relay
	opts      Options
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// Relay is one relay of a Net.
type Relay struct {
	Index     int
	Keys      *identity.Keyring
	Record    *record.Record
	RecordRaw []byte
	Node      *circuit.Node
	Handshake *handshake.Server
	Services  *circuit.Services
	link      *link.Config
	ln        net.Listener
	replay    *link.ReplayGuard
}

// New starts n relays on 127.0.0.1.
func New(n int, opts Options) (*Net, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	nw := &Net{NetworkID: sha256.Sum256([]byte("warren circnet")), opts: opts, ctx: ctx, cancel: cancel}
	for i := range n {
		r, err := nw.startRelay(i)
		if err != nil {
			nw.Close()
			return nil, fmt.Errorf("relay %d: %w", i, err)
		}
		nw.Relays = append(nw.Relays, r)
	}
	return nw, nil
}

func (nw *Net) startRelay(i int) (*Relay, error) {
	now := nw.opts.Now()
	kr, err := identity.Generate(nil, now)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{Index: i, Keys: kr, ln: ln, Services: circuit.NewServices()}
	if err := nw.setupRelay(r, now); err != nil {
		ln.Close()
		return nil, err
	}
	nw.wg.Add(1)
	go func() { defer nw.wg.Done(); nw.acceptLoop(r) }()
	return r, nil
}

func (nw *Net) setupRelay(r *Relay, now time.Time) error {
	ap := r.ln.Addr().(*net.TCPAddr).AddrPort()
	rec, err := record.New(r.Keys, nw.NetworkID, now, record.Options{
		Roles: record.RoleRelay,
		Addrs: []record.Addr{record.TCPAddr(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))},
	})
	if err != nil {
		return err
	}
	if r.RecordRaw, err = rec.Marshal(); err != nil {
		return err
	}
	r.Record = rec
	r.link = &link.Config{NetworkID: nw.NetworkID, NodeKey: r.Keys.Node, LinkKey: r.Keys.Link, Now: nw.opts.Now}
	r.replay = link.NewReplayGuard(link.ReplayConfig{})
	// The onion keys were made just now, so no handshake from before can
	// exist to be replayed: no start-time floor (a relay restarting with
	// stored keys must keep the default one).
	r.Handshake, err = handshake.NewServer(handshake.ServerConfig{
		NetworkID: nw.NetworkID, Keys: onionKeys(r.Keys), Now: nw.opts.Now, Floor: time.Unix(1, 0),
	})
	if err != nil {
		return err
	}
	cfg := circuit.Config{
		NetworkID: nw.NetworkID, Self: r.Keys.NodeID(), Handshake: r.Handshake, Services: r.Services,
		Dial: func(ctx context.Context, rec *record.Record) (circuit.Conn, error) {
			return nw.dialRelay(ctx, r, rec)
		},
		Verify: nw.verify, Now: nw.opts.Now,
	}
	if nw.opts.Configure != nil {
		nw.opts.Configure(r.Index, &cfg)
	}
	r.Node, err = circuit.New(cfg)
	return err
}

// onionKeys adapts a keyring to the handshake server's key lookup.
func onionKeys(kr *identity.Keyring) func(uint32) (*ecdh.PrivateKey, bool) {
	return func(epoch uint32) (*ecdh.PrivateKey, bool) {
		k, ok := kr.OnionByEpoch(epoch)
		return k.Private, ok && k.Private != nil
	}
}

func (nw *Net) verify(b []byte) (*record.Record, error) {
	rec, err := record.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if err := rec.Verify(nw.NetworkID, nw.opts.Now()); err != nil {
		return nil, err
	}
	return rec, nil
}

func (nw *Net) acceptLoop(r *Relay) {
	for {
		conn, err := r.ln.Accept()
		if err != nil {
			return
		}
		nw.wg.Add(1)
		go func() {
			defer nw.wg.Done()
			l, err := link.Accept(nw.ctx, conn, r.link, r.replay)
			if err != nil {
				return
			}
			r.Node.Attach(nw.wrap(r.Index, l))
		}()
	}
}

func (nw *Net) wrap(i int, c circuit.Conn) circuit.Conn {
	if nw.opts.Wrap != nil {
		return nw.opts.Wrap(i, c)
	}
	return c
}

var (
	errNoTCP   = errors.New("circnet: record has no TCP address")
	errNoRelay = errors.New("circnet: no such relay")
)

func tcpOf(rec *record.Record) (string, error) {
	for _, a := range rec.Addrs {
		if ap, ok := a.TCP(); ok {
			return ap.String(), nil
		}
	}
	return "", errNoTCP
}

// dialRelay opens relay r's authenticated link to rec's node.
func (nw *Net) dialRelay(ctx context.Context, r *Relay, rec *record.Record) (circuit.Conn, error) {
	l, err := dialLink(ctx, rec, r.link)
	if err != nil {
		return nil, err
	}
	return nw.wrap(r.Index, l), nil
}

// dialLink opens a link with cfg to rec's TCP address.
func dialLink(ctx context.Context, rec *record.Record, cfg *link.Config) (*link.Link, error) {
	addr, err := tcpOf(rec)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return link.Dial(ctx, conn, cfg, link.Remote{NodeID: rec.NodeID, LinkKey: rec.LinkKey})
}

// Close stops the relay: its listener, so dials to it fail, and its node.
func (r *Relay) Close() {
	r.ln.Close()
	r.Node.Close()
}

// Hop returns relay i as a path hop.
func (nw *Net) Hop(i int) circuit.Hop {
	r := nw.Relays[i]
	return circuit.Hop{NodeID: r.Record.NodeID, OnionKey: r.Record.OnionKey, Epoch: r.Record.OnionEpoch, Record: r.RecordRaw}
}

// Path returns the hops of relays idx, in order.
func (nw *Net) Path(idx ...int) []circuit.Hop {
	out := make([]circuit.Hop, len(idx))
	for i, j := range idx {
		out[i] = nw.Hop(j)
	}
	return out
}

// Client is an anonymous client node of a Net.
type Client struct {
	nw   *Net
	Node *circuit.Node
}

// NewClient starts a client node (no relay role, no identity on links).
func (nw *Net) NewClient(configure func(*circuit.Config)) (*Client, error) {
	cfg := circuit.Config{NetworkID: nw.NetworkID, Now: nw.opts.Now}
	if configure != nil {
		configure(&cfg)
	}
	n, err := circuit.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{nw: nw, Node: n}, nil
}

// Dial opens an anonymous link to relay i and returns it as a channel.
func (c *Client) Dial(ctx context.Context, i int) (*circuit.Channel, error) {
	return c.nw.DialFirst(ctx, c.Node, i)
}

// DialFirst opens an anonymous (NK) link from node n to relay i, as a
// client does to its first hop, and returns it as n's channel.
func (nw *Net) DialFirst(ctx context.Context, n *circuit.Node, i int) (*circuit.Channel, error) {
	l, err := nw.DialAnon(ctx, nw.Relays[i].Record.NodeID)
	if err != nil {
		return nil, err
	}
	return n.AttachClient(l)
}

// DialAnon opens an anonymous (NK) link to the relay with node ID id.
func (nw *Net) DialAnon(ctx context.Context, id identity.NodeID) (circuit.Conn, error) {
	var rec *record.Record
	for _, r := range nw.Relays {
		if r.Record.NodeID == id {
			rec = r.Record
		}
	}
	if rec == nil {
		return nil, errNoRelay
	}
	return dialLink(ctx, rec, &link.Config{NetworkID: nw.NetworkID, Now: nw.opts.Now})
}

// Hops returns every relay as a hop (a circuit manager's directory).
func (nw *Net) Hops() []circuit.Hop {
	out := make([]circuit.Hop, len(nw.Relays))
	for i := range nw.Relays {
		out[i] = nw.Hop(i)
	}
	return out
}

// Build dials the first relay of path and builds a circuit through it.
func (c *Client) Build(ctx context.Context, path ...int) (*circuit.Circuit, *circuit.Channel, error) {
	ch, err := c.Dial(ctx, path[0])
	if err != nil {
		return nil, nil, err
	}
	circ, err := c.Node.Build(ctx, ch, c.nw.Path(path...), "test")
	if err != nil {
		ch.Close()
		return nil, nil, err
	}
	return circ, ch, nil
}

// Close stops the client node.
func (c *Client) Close() { c.Node.Close() }

// Close stops every relay.
func (nw *Net) Close() {
	nw.cancel()
	for _, r := range nw.Relays {
		r.ln.Close()
	}
	nw.wg.Wait()
	for _, r := range nw.Relays {
		r.Node.Close()
		r.Keys.Close()
	}
}
