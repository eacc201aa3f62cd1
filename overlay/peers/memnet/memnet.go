// Package memnet is an in-memory network of authenticated links for tests
// and simulations of the overlay: a dial reaches a registered node at once
// (no handshake, no encryption; the link package is tested on its own), a
// killed node's links end as a reset TCP connection would, and a partition
// makes links between its sides drop messages silently, so only the
// managers' idle timeouts notice it, as on a real network.
//
// Everything blocks only on channels and timers, so it runs under
// testing/synctest with fake time. Safe for concurrent use.
package memnet

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/peers"
)

// inboxLen bounds each conn's queue of undelivered messages; Send blocks
// when it is full.
const inboxLen = 256

// Errors from Dial and Send.
var (
	ErrUnreachable = errors.New("memnet: node unreachable")
	ErrKeyMismatch = errors.New("memnet: link key does not match")
	ErrClosed      = errors.New("memnet: conn closed")
)

// Network connects nodes in memory.
type Network struct {
	mu    sync.Mutex
	nodes map[identity.NodeID]*node
	cut   func(a, b identity.NodeID) bool
	// Dials counts every dial attempt.
	Dials atomic.Int64
}

type node struct {
	key    [32]byte
	accept func(peers.Conn)
	conns  map[*pipe]struct{}
}

// New makes an empty network.
func New() *Network { return &Network{nodes: make(map[identity.NodeID]*node)} }

// Listen makes id reachable: accept receives each inbound conn.
func (n *Network) Listen(id identity.NodeID, linkKey [32]byte, accept func(peers.Conn)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nodes[id] = &node{key: linkKey, accept: accept, conns: make(map[*pipe]struct{})}
}

// Kill makes id unreachable and ends every link it has.
func (n *Network) Kill(id identity.NodeID) {
	n.mu.Lock()
	nd := n.nodes[id]
	delete(n.nodes, id)
	n.mu.Unlock()
	if nd == nil {
		return
	}
	for p := range nd.conns {
		p.close()
	}
}

// Partition makes dials between a and b fail, and messages on their
// existing links vanish, while cut(a, b) holds. nil heals.
func (n *Network) Partition(cut func(a, b identity.NodeID) bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = cut
}

func (n *Network) isCut(a, b identity.NodeID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut != nil && (n.cut(a, b) || n.cut(b, a))
}

// Dialer returns the dialer node from uses.
func (n *Network) Dialer(from identity.NodeID) peers.Dialer {
	return peers.DialerFunc(func(ctx context.Context, t peers.Target) (peers.Conn, error) {
		return n.dial(ctx, from, t)
	})
}

func (n *Network) dial(ctx context.Context, from identity.NodeID, t peers.Target) (peers.Conn, error) {
	n.Dials.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n.isCut(from, t.NodeID) {
		return nil, ErrUnreachable
	}
	n.mu.Lock()
	dst, src := n.nodes[t.NodeID], n.nodes[from]
	if dst == nil || src == nil {
		n.mu.Unlock()
		return nil, ErrUnreachable
	}
	if dst.key != t.LinkKey {
		n.mu.Unlock()
		return nil, ErrKeyMismatch
	}
	p := newPipe(n, from, t.NodeID)
	dst.conns[p], src.conns[p] = struct{}{}, struct{}{}
	accept := dst.accept
	n.mu.Unlock()
	accept(p.end(1)) // outside the lock; the listener takes the conn over
	return p.end(0), nil
}

// forget drops a closed pipe from both nodes' sets.
func (n *Network) forget(p *pipe) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, id := range p.ids {
		if nd := n.nodes[id]; nd != nil {
			delete(nd.conns, p)
		}
	}
}

// pipe is one link: two ends, two queues, one shared closed state.
type pipe struct {
	net  *Network
	ids  [2]identity.NodeID // dialer, listener
	q    [2]chan []byte     // q[i] is end i's inbox
	done chan struct{}
	once sync.Once
}

func newPipe(n *Network, a, b identity.NodeID) *pipe {
	return &pipe{net: n, ids: [2]identity.NodeID{a, b},
		q: [2]chan []byte{make(chan []byte, inboxLen), make(chan []byte, inboxLen)}, done: make(chan struct{})}
}

func (p *pipe) close() {
	p.once.Do(func() {
		close(p.done)
		p.net.forget(p)
	})
}

func (p *pipe) end(i int) *Conn { return &Conn{p: p, i: i} }

// Conn is one end of an in-memory link; it implements peers.Conn.
type Conn struct {
	p *pipe
	i int
}

// Send queues a copy of b for the other end; on a cut link it vanishes.
func (c *Conn) Send(b []byte) error {
	select {
	case <-c.p.done:
		return ErrClosed
	default:
	}
	if c.p.net.isCut(c.p.ids[0], c.p.ids[1]) {
		return nil
	}
	select {
	case c.p.q[1-c.i] <- append([]byte(nil), b...):
		return nil
	case <-c.p.done:
		return ErrClosed
	}
}

// Recv returns the next message, or io.EOF once the link is closed.
func (c *Conn) Recv() ([]byte, error) {
	select {
	case <-c.p.done:
		return nil, io.EOF
	default:
	}
	select {
	case b := <-c.p.q[c.i]:
		return b, nil
	case <-c.p.done:
		return nil, io.EOF
	}
}

// Close ends the link for both sides.
func (c *Conn) Close() error {
	c.p.close()
	return nil
}

// Peer names the other end, authenticated as a Noise IK link would.
func (c *Conn) Peer() link.PeerInfo {
	return link.PeerInfo{NodeID: c.p.ids[1-c.i], Authenticated: true, Initiator: c.i == 0}
}
