package circuit

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/onion/relaycrypto"
	"github.com/warrennet/warren/overlay/identity"
)

// Hop is one relay of a path: its node, its circuit onion key and that
// key's epoch (from its verified peer record), and the record itself,
// which EXTEND carries to the previous hop.
type Hop struct {
	NodeID   identity.NodeID
	OnionKey [32]byte
	Epoch    uint32
	Record   []byte
}

// Channel is a link the node serves, as the client sees it: circuits are
// built over it to its peer.
type Channel struct{ ch *channel }

// Close closes the link and every circuit on it.
func (c *Channel) Close() { c.ch.close() }

// Alive reports whether the link still serves.
func (c *Channel) Alive() bool {
	select {
	case <-c.ch.done:
		return false
	default:
		return true
	}
}

// AttachClient serves conn (a link the caller dialed to a first hop) and
// returns it for Build.
func (n *Node) AttachClient(conn Conn) (*Channel, error) {
	ch, err := n.attach(conn, true)
	if err != nil {
		return nil, err
	}
	return &Channel{ch}, nil
}

// Circuit is a circuit this node built, as its client. Safe for concurrent
// use.
type Circuit struct {
	n       *Node
	ch      *channel
	id      uint32
	q       *queue
	hops    []Hop
	created time.Time
	purpose string
	edge    *edge
	dead    atomic.Bool
	sent    atomic.Uint64 // relay cells sent
	recv    atomic.Uint64 // relay cells received

	fwdMu  sync.Mutex // forward crypto and the order of cells sent
	bwdMu  sync.Mutex // backward crypto
	crypto relaycrypto.Client

	mu       sync.Mutex
	building bool
	reply    chan buildReply // the answer the build waits for
}

type buildReply struct {
	hdata  []byte
	reason cell.Reason
	ok     bool
}

// Build builds a circuit through path over first (a channel to path[0]),
// hop by hop; each hop has cfg.BuildTimeout (and ctx) to answer. On any
// failure the partial circuit is destroyed.
func (n *Node) Build(ctx context.Context, first *Channel, path []Hop, purpose string) (*Circuit, error) {
	if len(path) == 0 || len(path) > MaxHops {
		return nil, ErrPath
	}
	c := &Circuit{n: n, ch: first.ch, hops: append([]Hop(nil), path...), created: n.cfg.Now(), purpose: purpose, building: true}
	c.edge = newEdge(n, true, sender{
		send:  func(m cell.Msg) (relaycrypto.Tag, error) { return c.originate(lastHop, false, m, true) },
		push:  func(m cell.Msg) (relaycrypto.Tag, error) { return c.originate(lastHop, false, m, false) },
		flush: c.ch.kick,
	}, c.destroy)
	c.q = newQueue(first.ch, c, n.cfg.CircuitQueue)
	n.mu.Lock()
	n.clients[c] = struct{}{}
	n.mu.Unlock()
	id, ok := first.ch.registerWith(c, func(id uint32) { c.id = id })
	if !ok {
		n.mu.Lock()
		delete(n.clients, c)
		n.mu.Unlock()
		return nil, ErrClosed
	}
	_ = id
	for i := range path {
		if err := c.addHop(ctx, i); err != nil {
			c.destroy(cell.ReasonRequested)
			return nil, &HopError{Hop: i + 1, Err: err}
		}
	}
	c.mu.Lock()
	c.building = false
	c.mu.Unlock()
	return c, nil
}

// addHop runs the handshake with hop i: CREATE for the first, EXTEND
// through the circuit for the others.
func (c *Circuit) addHop(ctx context.Context, i int) error {
	c.mu.Lock()
	h := c.hops[i]
	c.mu.Unlock()
	hs, msg, err := handshake.NewClient(c.n.cfg.NetworkID, h.OnionKey, h.Epoch, c.n.cfg.Now(), c.rand())
	if err != nil {
		return err
	}
	reply := make(chan buildReply, 1)
	c.mu.Lock()
	c.reply = reply
	c.mu.Unlock()
	if i == 0 {
		err = c.sendCreate(msg)
	} else {
		err = c.sendExtend(i, msg)
	}
	if err != nil {
		return err
	}
	hdata, err := c.wait(ctx, reply)
	if err != nil {
		return err
	}
	keys, _, err := hs.Finish(hdata, relaycrypto.HopKeyLen)
	if err != nil {
		return err
	}
	defer clear(keys)
	c.fwdMu.Lock()
	c.bwdMu.Lock()
	err = c.crypto.AddHop(keys)
	c.bwdMu.Unlock()
	c.fwdMu.Unlock()
	return err
}

func (c *Circuit) rand() io.Reader {
	if c.n.cfg.Rand != nil {
		return c.n.cfg.Rand
	}
	return rand.Reader
}

func (c *Circuit) sendCreate(msg []byte) error {
	cc, err := cell.Create(c.id, cell.HandshakeNK, msg)
	if err != nil {
		return err
	}
	out := getCell()
	*out = cc
	if !c.ch.send(c.q, out) {
		return ErrClosed
	}
	return nil
}

func (c *Circuit) sendExtend(i int, msg []byte) error {
	c.mu.Lock()
	rec := c.hops[i].Record
	c.mu.Unlock()
	m, err := cell.ExtendMsg(rec, cell.HandshakeNK, msg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPath, err)
	}
	_, err = c.originate(i-1, true, m, true)
	return err
}

// wait waits for the hop's answer.
func (c *Circuit) wait(ctx context.Context, reply chan buildReply) ([]byte, error) {
	t := time.NewTimer(c.n.cfg.BuildTimeout)
	defer t.Stop()
	select {
	case r := <-reply:
		if !r.ok {
			return nil, fmt.Errorf("%w (%s)", ErrRefused, r.reason)
		}
		return r.hdata, nil
	case <-t.C:
		return nil, ErrTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// answer hands a build step its reply, once.
func (c *Circuit) answer(r buildReply) bool {
	c.mu.Lock()
	ch := c.reply
	c.reply = nil
	c.mu.Unlock()
	if ch == nil {
		return false
	}
	ch <- r
	return true
}

// lastHop as originate's target means the circuit's current last hop.
const lastHop = -1

// originate encrypts m for hop target and queues it; wake wakes the
// channel's writer.
func (c *Circuit) originate(target int, early bool, m cell.Msg, wake bool) (relaycrypto.Tag, error) {
	cmd := cell.CmdRelay
	if early {
		cmd = cell.CmdRelayEarly
	}
	out := getCell()
	out.SetHeader(c.id, cmd)
	_, body := out.RelayParts()
	if err := cell.EncodeMsg(body, m); err != nil {
		putCell(out)
		return relaycrypto.Tag{}, err
	}
	c.fwdMu.Lock()
	if target == lastHop {
		target = c.crypto.Hops() - 1
	}
	if c.dead.Load() || target < 0 || target >= c.crypto.Hops() {
		c.fwdMu.Unlock()
		putCell(out)
		return relaycrypto.Tag{}, ErrDestroyed
	}
	tag := c.crypto.Originate(target, byte(cmd), out.Body())
	ok := c.ch.push(c.q, out)
	c.fwdMu.Unlock()
	if ok && wake {
		c.ch.kick()
	}
	if !ok {
		c.destroy(cell.ReasonResourceLimit)
		return relaycrypto.Tag{}, ErrDestroyed
	}
	c.sent.Add(1)
	return tag, nil
}

// toLast sends a stream message to the last hop.
func (c *Circuit) toLast(m cell.Msg) (relaycrypto.Tag, error) {
	return c.originate(lastHop, false, m, true)
}

func (c *Circuit) handle(ch *channel, cl *cell.Cell) bool {
	switch cl.Cmd() {
	case cell.CmdCreated:
		// Legal only as the first hop's answer to CREATE.
		c.bwdMu.Lock()
		first := c.crypto.Hops() == 0
		c.bwdMu.Unlock()
		h, err := cl.CreatedBody()
		if err != nil || !first || !c.answer(buildReply{hdata: append([]byte(nil), h...), ok: true}) {
			c.destroy(cell.ReasonProtocol)
		}
	case cell.CmdRelay:
		c.backward(cl)
	case cell.CmdDestroy:
		reason, _ := cl.DestroyReason()
		c.teardown(true, reason)
	default:
		c.destroy(cell.ReasonProtocol)
	}
	return false
}

// backward removes the layers of a cell from the circuit and acts on it.
func (c *Circuit) backward(cl *cell.Cell) {
	c.bwdMu.Lock()
	if c.dead.Load() {
		c.bwdMu.Unlock()
		return
	}
	hop, tag, ok := c.crypto.Backward(byte(cell.CmdRelay), cl.Body())
	hops := c.crypto.Hops()
	c.bwdMu.Unlock()
	if !ok {
		c.n.stats.integrity.Add(1)
		c.destroy(cell.ReasonIntegrity)
		return
	}
	c.recv.Add(1)
	_, body := cl.RelayParts()
	m, err := cell.ParseMsg(body[:], c.allowedFrom(hop, hops))
	if err != nil {
		c.destroy(cell.ReasonProtocol)
		return
	}
	switch m.Cmd {
	case cell.RelayDrop:
	case cell.RelayExtended:
		h, err := m.Extended()
		if err != nil || !c.answer(buildReply{hdata: append([]byte(nil), h...), ok: true}) {
			c.destroy(cell.ReasonProtocol)
		}
	case cell.RelayTruncated:
		r, _ := m.Reason()
		if !c.answer(buildReply{reason: r}) {
			c.destroy(cell.ReasonProtocol)
		}
	default:
		c.edge.handle(m, tag)
	}
}

// allowedFrom is what hop may send when the circuit has hops hops.
func (c *Circuit) allowedFrom(hop, hops int) cell.CmdSet {
	c.mu.Lock()
	building := c.building
	c.mu.Unlock()
	last := hops - 1
	switch {
	case building && hop == last:
		return cell.Set(cell.RelayExtended, cell.RelayTruncated, cell.RelayDrop)
	case !building && hop == last:
		return clientEdgeMsgs
	}
	return cell.Set(cell.RelayDrop)
}

func (c *Circuit) channelClosed(*channel) { c.teardown(true, cell.ReasonDestroyed) }

func (c *Circuit) destroy(reason cell.Reason) { c.teardown(false, reason) }

// teardown ends the circuit once; remote reports that the first hop
// already knows (it sent DESTROY, or the link died).
func (c *Circuit) teardown(remote bool, reason cell.Reason) {
	if !c.dead.CompareAndSwap(false, true) {
		return
	}
	c.ch.unregister(c.id)
	c.ch.closeQueue(c.q)
	if !remote {
		c.ch.sendControl(mustDestroy(c.id, reason))
	}
	c.answer(buildReply{reason: reason})
	c.edge.close(ErrDestroyed)
	c.n.mu.Lock()
	delete(c.n.clients, c)
	c.n.mu.Unlock()
	c.fwdMu.Lock()
	c.bwdMu.Lock()
	c.crypto.Close()
	c.bwdMu.Unlock()
	c.fwdMu.Unlock()
}

// OpenStream opens a stream to the named service at the last hop.
func (c *Circuit) OpenStream(ctx context.Context, service string) (*Stream, error) {
	s, err := c.edge.open(service)
	if err != nil {
		return nil, err
	}
	timeout := c.n.cfg.StreamTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if err := s.waitConnected(timeout); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close destroys the circuit.
func (c *Circuit) Close() error {
	c.destroy(cell.ReasonRequested)
	return nil
}

// Alive reports whether the circuit is still up.
func (c *Circuit) Alive() bool { return !c.dead.Load() }

// Info describes a circuit for listings.
type Info struct {
	Hops      []identity.NodeID
	Age       time.Duration
	Purpose   string
	CellsSent uint64
	CellsRecv uint64
	// BytesSent and BytesRecv count relay cell payload space (cells ×
	// cell.MaxData), not application bytes.
	BytesSent, BytesRecv uint64
}

// Info returns the circuit's description.
func (c *Circuit) Info() Info {
	path := c.Hops()
	hops := make([]identity.NodeID, len(path))
	for i, h := range path {
		hops[i] = h.NodeID
	}
	c.mu.Lock()
	purpose := c.purpose
	c.mu.Unlock()
	s, r := c.sent.Load(), c.recv.Load()
	return Info{Hops: hops, Age: c.n.cfg.Now().Sub(c.created), Purpose: purpose,
		CellsSent: s, CellsRecv: r, BytesSent: s * cell.MaxData, BytesRecv: r * cell.MaxData}
}

// Circuits lists the circuits this node built and that are still up.
func (n *Node) Circuits() []Info {
	n.mu.Lock()
	cs := make([]*Circuit, 0, len(n.clients))
	for c := range n.clients {
		cs = append(cs, c)
	}
	n.mu.Unlock()
	out := make([]Info, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Info())
	}
	return out
}

// Extend adds hop to the end of an idle circuit (one no stream has used),
// as the circuit manager does to a pre-built circuit once it knows the
// destination.
func (c *Circuit) Extend(ctx context.Context, hop Hop) error {
	c.mu.Lock()
	if c.building || len(c.hops) >= MaxHops {
		c.mu.Unlock()
		return ErrPath
	}
	c.building = true
	c.hops = append(c.hops[:len(c.hops):len(c.hops)], hop)
	idx := len(c.hops) - 1
	c.mu.Unlock()
	if err := c.addHop(ctx, idx); err != nil {
		c.destroy(cell.ReasonRequested)
		return fmt.Errorf("extend: %w", err)
	}
	c.mu.Lock()
	c.building = false
	c.mu.Unlock()
	return nil
}

// HopError says which hop of a path (1 = the first) could not be added:
// for hop i > 1 it was the relay at hop i−1 that could not reach it, or
// hop i that refused.
type HopError struct {
	Hop int
	Err error
}

func (e *HopError) Error() string { return fmt.Sprintf("hop %d: %v", e.Hop, e.Err) }
func (e *HopError) Unwrap() error { return e.Err }

// SetPurpose labels the circuit for listings (the manager's isolation
// key, in a form safe to show).
func (c *Circuit) SetPurpose(p string) {
	c.mu.Lock()
	c.purpose = p
	c.mu.Unlock()
}

// Hops returns the circuit's path.
func (c *Circuit) Hops() []Hop {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Hop(nil), c.hops...)
}
