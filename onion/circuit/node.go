package circuit

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/overlay/identity"
)

// Node serves circuits over the links handed to it: as a relay (if it
// has a handshake server), as a client (Build) and as the last hop of
// streams to its services. Safe for concurrent use.
type Node struct {
	cfg    Config
	log    *slog.Logger
	budget budget
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	createQ        chan createJob
	oomKick        chan struct{}
	circuits       atomic.Int64 // relayed circuits
	streamCells    atomic.Int64 // received stream data buffered for readers, in cells
	serviceStreams atomic.Int64 // streams open to local services
	stats          nodeStats

	mu       sync.Mutex
	closed   bool
	channels map[*channel]struct{}
	peers    map[identity.NodeID]*channel // authenticated channels by node
	dialing  map[identity.NodeID]*dialCall
	relays   map[*relayCirc]struct{}
	clients  map[*Circuit]struct{}
}

type nodeStats struct {
	created, createsRefused, createsBusy atomic.Uint64
	createsLimited                       atomic.Uint64
	integrity, extendFailed, oomKilled   atomic.Uint64
}

// Stats are a node's counters.
type Stats struct {
	Channels, Relayed, Client        int
	QueuedCells                      int64
	Created, CreatesRefused          uint64 // CREATEs answered / refused by the handshake
	CreatesBusy                      uint64 // refused because the handshake queue was full
	CreatesLimited                   uint64 // refused by the per-link rate or circuit limits
	Integrity, ExtendFailed, OOMKill uint64
	StreamCells, ServiceStreams      int64 // buffered stream cells; open service streams
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// New returns a node; it starts its handshake workers and out-of-memory
// watcher. Close stops them.
func New(cfg Config) (*Node, error) {
	c := cfg.withDefaults()
	if c.Verify == nil && c.Handshake != nil {
		return nil, ErrConfig // a relay must be able to check EXTEND's record
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		cfg: c, log: log, ctx: ctx, cancel: cancel,
		createQ:  make(chan createJob, c.CreateQueue),
		oomKick:  make(chan struct{}, 1),
		channels: make(map[*channel]struct{}),
		peers:    make(map[identity.NodeID]*channel),
		dialing:  make(map[identity.NodeID]*dialCall),
		relays:   make(map[*relayCirc]struct{}),
		clients:  make(map[*Circuit]struct{}),
	}
	n.budget.max = int64(c.MaxQueued)
	for range c.CreateWorkers {
		n.goFn(n.createWorker)
	}
	n.goFn(n.oomLoop)
	return n, nil
}

// goFn runs f on a goroutine the node owns; false once the node closed.
func (n *Node) goFn(f func()) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); f() }()
	return true
}

func (n *Node) createWorker() {
	for {
		select {
		case j := <-n.createQ:
			j.r.answer(&j.c)
		case <-n.ctx.Done():
			return
		}
	}
}

// Attach serves conn as a channel until it fails or the node closes.
func (n *Node) Attach(conn Conn) error {
	_, err := n.attach(conn, false)
	return err
}

// attach serves conn; clientOnly marks a link this node dialed to a first
// hop as a client, on which the peer may never open a circuit.
func (n *Node) attach(conn Conn, clientOnly bool) (*channel, error) {
	ch := newChannel(n, conn)
	ch.clientOnly = clientOnly
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		conn.Close()
		return nil, ErrClosed
	}
	n.channels[ch] = struct{}{}
	if ch.peer != (identity.NodeID{}) && n.peers[ch.peer] == nil {
		n.peers[ch.peer] = ch
	}
	n.wg.Add(1)
	n.mu.Unlock()
	ch.start()
	go func() { defer n.wg.Done(); ch.wg.Wait() }()
	n.trace(Event{Kind: "link", Peer: ch.peer})
	return ch, nil
}

func (n *Node) dropChannel(ch *channel) {
	n.mu.Lock()
	delete(n.channels, ch)
	if n.peers[ch.peer] == ch {
		delete(n.peers, ch.peer)
	}
	n.mu.Unlock()
}

func (n *Node) addRelay(r *relayCirc) {
	n.mu.Lock()
	n.relays[r] = struct{}{}
	n.mu.Unlock()
	n.circuits.Add(1)
}

func (n *Node) dropRelay(r *relayCirc) {
	n.mu.Lock()
	if _, ok := n.relays[r]; ok {
		delete(n.relays, r)
		n.circuits.Add(-1)
	}
	n.mu.Unlock()
}

// holdStreamCell counts one buffered stream cell; false if the node
// already holds MaxStreamCells.
func (n *Node) holdStreamCell() bool {
	if n.streamCells.Add(1) > int64(n.cfg.MaxStreamCells) {
		n.streamCells.Add(-1)
		return false
	}
	return true
}

func (n *Node) releaseStreamCells(k int) { n.streamCells.Add(-int64(k)) }

// serviceSlot takes one of MaxServiceStreams.
func (n *Node) serviceSlot() bool {
	if n.serviceStreams.Add(1) > int64(n.cfg.MaxServiceStreams) {
		n.serviceStreams.Add(-1)
		return false
	}
	return true
}

func (n *Node) releaseServiceSlot() { n.serviceStreams.Add(-1) }

// serve runs a service on a stream, on a goroutine of the node.
func (n *Node) serve(svc Service, s *Stream) {
	if !n.goFn(func() { defer s.Close(); svc(s) }) {
		s.Close()
	}
}

func (n *Node) trace(e Event) {
	if n.cfg.Trace != nil {
		n.cfg.Trace(e)
	}
}

func (n *Node) traceMsg(peer identity.NodeID, m cell.Msg) {
	if n.cfg.Trace != nil {
		n.cfg.Trace(Event{Kind: "msg", Peer: peer, Cmd: m.Cmd.String(), Stream: m.StreamID, Data: append([]byte(nil), m.Data...)})
	}
}

// outOfMemory asks the watcher for a pass; it never blocks.
func (n *Node) outOfMemory() {
	select {
	case n.oomKick <- struct{}{}:
	default:
	}
}

func (n *Node) oomLoop() {
	for {
		select {
		case <-n.oomKick:
			n.killStalest()
		case <-n.ctx.Done():
			return
		}
	}
}

// killStalest destroys the circuits whose oldest queued cell is oldest
// until the queued cells are under 90 % of the cap.
func (n *Node) killStalest() {
	type cand struct {
		v      victim
		oldest int64
		cells  int
	}
	var cands []cand
	n.mu.Lock()
	chans := make([]*channel, 0, len(n.channels))
	for ch := range n.channels {
		chans = append(chans, ch)
	}
	n.mu.Unlock()
	for _, ch := range chans {
		ch.qmu.Lock()
		for _, q := range ch.active {
			if q.owner != nil && q.n > 0 {
				cands = append(cands, cand{q.owner, q.oldestLocked(), q.n})
			}
		}
		ch.qmu.Unlock()
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].oldest < cands[j].oldest })
	target := n.budget.max * 9 / 10
	left := n.budget.n.Load()
	for _, c := range cands {
		if left <= target {
			break
		}
		c.v.destroy(cell.ReasonResourceLimit)
		n.stats.oomKilled.Add(1)
		left -= int64(c.cells)
	}
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	s := Stats{Channels: len(n.channels), Relayed: len(n.relays), Client: len(n.clients)}
	n.mu.Unlock()
	s.QueuedCells = n.budget.n.Load()
	s.Created = n.stats.created.Load()
	s.CreatesRefused = n.stats.createsRefused.Load()
	s.CreatesBusy = n.stats.createsBusy.Load()
	s.CreatesLimited = n.stats.createsLimited.Load()
	s.Integrity = n.stats.integrity.Load()
	s.ExtendFailed = n.stats.extendFailed.Load()
	s.OOMKill = n.stats.oomKilled.Load()
	s.StreamCells, s.ServiceStreams = n.streamCells.Load(), n.serviceStreams.Load()
	return s
}

// Close closes every channel (and so every circuit) and waits for the
// node's goroutines.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	chans := make([]*channel, 0, len(n.channels))
	for ch := range n.channels {
		chans = append(chans, ch)
	}
	n.mu.Unlock()
	n.cancel()
	for _, ch := range chans {
		ch.close()
	}
	n.wg.Wait()
	return nil
}
