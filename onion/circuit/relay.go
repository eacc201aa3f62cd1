package circuit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/onion/relaycrypto"
	"github.com/warrennet/warren/overlay/identity"
)

// relayCirc is a circuit this node relays or ends, as one of its hops.
type relayCirc struct {
	n      *Node
	prev   *channel
	prevID uint32
	toPrev *queue
	dead   atomic.Bool

	fwdMu  sync.Mutex // forward layer and RELAY_EARLY count: the prev reader
	early  int
	bwdMu  sync.Mutex // backward layer and the order of cells to prev
	crypto *relaycrypto.Relay

	mu        sync.Mutex // the next hop and the extension
	next      *channel
	nextID    uint32
	toNext    *queue
	extending bool
	failed    bool        // an extension failed: only DESTROY is left
	createdCh chan []byte // CREATED from next, during an extension
	edge      *edge       // streams ending here; nil until the first BEGIN
	extendCtx context.CancelFunc
}

func newRelayCirc(n *Node, prev *channel, id uint32) *relayCirc {
	r := &relayCirc{n: n, prev: prev, prevID: id}
	r.toPrev = newQueue(prev, r, n.cfg.CircuitQueue)
	return r
}

// createJob is a CREATE waiting for a handshake worker.
type createJob struct {
	r *relayCirc
	c cell.Cell
}

// create handles a CREATE on ch; false closes the link.
func (n *Node) create(ch *channel, c *cell.Cell) bool {
	id := c.CircID()
	if ch.clientOnly {
		return false // close the link, whatever our role
	}
	if n.cfg.Handshake == nil {
		ch.sendControl(mustDestroy(id, cell.ReasonProtocol))
		return true
	}
	if !cell.ValidCircID(id, !ch.dialer) {
		return false
	}
	if !ch.admitCreate() || n.circuits.Load() >= int64(n.cfg.MaxCircuits) ||
		(ch.peer == identity.NodeID{} && ch.circuitCount() >= n.cfg.ClientLinkCircuits) {
		n.stats.createsLimited.Add(1)
		ch.sendControl(mustDestroy(id, cell.ReasonResourceLimit))
		return true
	}
	r := newRelayCirc(n, ch, id)
	n.addRelay(r) // counted before it is reachable, so a teardown always uncounts it
	if !ch.claim(id, r) {
		n.dropRelay(r)
		return false // a CREATE for a circuit ID in use
	}
	select {
	case n.createQ <- createJob{r: r, c: *c}:
	default:
		n.stats.createsBusy.Add(1)
		r.destroy(cell.ReasonResourceLimit)
	}
	return true
}

// answer runs a CREATE's handshake on a worker.
func (r *relayCirc) answer(c *cell.Cell) {
	htype, hdata, err := c.CreateBody()
	if err != nil || htype != cell.HandshakeNK {
		r.destroy(cell.ReasonProtocol)
		return
	}
	reply, keys, _, err := r.n.cfg.Handshake.Respond(hdata, relaycrypto.HopKeyLen)
	if err != nil {
		r.n.stats.createsRefused.Add(1)
		r.destroy(handshakeReason(err))
		return
	}
	crypto, err := relaycrypto.NewRelay(keys)
	clear(keys)
	if err != nil {
		r.destroy(cell.ReasonInternal)
		return
	}
	r.fwdMu.Lock()
	r.bwdMu.Lock()
	if r.dead.Load() { // torn down while the handshake ran
		crypto.Close()
		r.bwdMu.Unlock()
		r.fwdMu.Unlock()
		return
	}
	r.crypto = crypto
	created, err := cell.Created(r.prevID, reply)
	ok := err == nil
	if ok {
		out := getCell()
		*out = created
		ok = r.prev.send(r.toPrev, out)
	}
	r.bwdMu.Unlock()
	r.fwdMu.Unlock()
	if !ok {
		r.destroy(cell.ReasonResourceLimit)
		return
	}
	r.n.stats.created.Add(1)
	r.n.trace(Event{Kind: "create", Peer: r.prev.peer})
}

func handshakeReason(err error) cell.Reason {
	switch {
	case errors.Is(err, handshake.ErrUnknownKey):
		return cell.ReasonOnionKey
	case errors.Is(err, handshake.ErrReplay), errors.Is(err, handshake.ErrStale):
		return cell.ReasonReplay
	case errors.Is(err, handshake.ErrBusy):
		return cell.ReasonResourceLimit
	}
	return cell.ReasonProtocol
}

// handle gets the cells for this circuit from either side.
func (r *relayCirc) handle(ch *channel, c *cell.Cell) bool {
	if ch == r.prev && c.CircID() == r.prevID {
		return r.fromPrev(c)
	}
	return r.fromNext(ch, c)
}

func (r *relayCirc) fromPrev(c *cell.Cell) bool {
	switch c.Cmd() {
	case cell.CmdRelay, cell.CmdRelayEarly:
		return r.forward(c)
	case cell.CmdDestroy:
		r.teardown(r.prev, cell.ReasonDestroyed)
	default:
		r.destroy(cell.ReasonProtocol)
	}
	return false
}

func (r *relayCirc) fromNext(ch *channel, c *cell.Cell) bool {
	switch c.Cmd() {
	case cell.CmdRelay:
		return r.backward(ch, c)
	case cell.CmdCreated:
		r.onCreated(c)
	case cell.CmdDestroy:
		r.mu.Lock()
		ext := r.extending
		r.mu.Unlock()
		if ext {
			r.dropNext(false)
			r.mu.Lock()
			if r.createdCh != nil {
				close(r.createdCh)
				r.createdCh = nil
			}
			r.mu.Unlock()
			return false
		}
		r.teardown(ch, cell.ReasonDestroyed)
	default:
		r.destroy(cell.ReasonProtocol)
	}
	return false
}

// forward removes this hop's layer from a cell from the client and either
// acts on it (it is for this hop) or passes it (kept) to the next hop.
func (r *relayCirc) forward(c *cell.Cell) bool {
	cmd := c.Cmd()
	r.fwdMu.Lock()
	if r.dead.Load() || r.crypto == nil {
		r.fwdMu.Unlock()
		r.destroy(cell.ReasonProtocol)
		return false
	}
	if cmd == cell.CmdRelayEarly {
		if r.early++; r.early > MaxEarly {
			r.fwdMu.Unlock()
			r.destroy(cell.ReasonProtocol)
			return false
		}
	}
	tag, mine := r.crypto.Forward(byte(cmd), c.Body())
	r.fwdMu.Unlock()
	if mine {
		r.recognized(c, tag, cmd)
		return false
	}
	r.mu.Lock()
	next, id, q := r.next, r.nextID, r.toNext
	ext := r.extending
	r.mu.Unlock()
	if next == nil || ext {
		r.n.stats.integrity.Add(1)
		r.destroy(cell.ReasonIntegrity)
		return false
	}
	c.SetHeader(id, cmd)
	if !next.sendFrom(r.prev, q, c) {
		r.destroy(cell.ReasonResourceLimit)
	}
	return true // sendFrom frees it on failure
}

// backward adds this hop's layer to a cell from the next hop (read on ch)
// and passes it (kept) to the previous hop.
func (r *relayCirc) backward(ch *channel, c *cell.Cell) bool {
	r.bwdMu.Lock()
	if r.dead.Load() {
		r.bwdMu.Unlock()
		return false
	}
	r.crypto.Backward(byte(cell.CmdRelay), c.Body())
	c.SetHeader(r.prevID, cell.CmdRelay)
	ok := r.prev.sendFrom(ch, r.toPrev, c)
	r.bwdMu.Unlock()
	if !ok {
		r.destroy(cell.ReasonResourceLimit)
	}
	return true
}

// originate sends a message from this hop to the client; wake wakes the
// channel's writer.
func (r *relayCirc) originate(m cell.Msg, wake bool) (relaycrypto.Tag, error) {
	out := getCell()
	out.SetHeader(r.prevID, cell.CmdRelay)
	_, msg := out.RelayParts()
	if err := cell.EncodeMsg(msg, m); err != nil {
		putCell(out)
		return relaycrypto.Tag{}, err
	}
	r.bwdMu.Lock()
	if r.dead.Load() {
		r.bwdMu.Unlock()
		putCell(out)
		return relaycrypto.Tag{}, ErrDestroyed
	}
	tag := r.crypto.Originate(byte(cell.CmdRelay), out.Body())
	ok := r.prev.push(r.toPrev, out)
	r.bwdMu.Unlock()
	if ok && wake {
		r.prev.kick()
	}
	if !ok {
		r.destroy(cell.ReasonResourceLimit)
		return relaycrypto.Tag{}, ErrDestroyed
	}
	return tag, nil
}

// Messages a hop accepts from the client, by the hop's state.
var (
	lastHopMsgs = serverEdgeMsgs | cell.Set(cell.RelayExtend)
	middleMsgs  = cell.Set(cell.RelayDrop)
)

func (r *relayCirc) recognized(c *cell.Cell, tag relaycrypto.Tag, cmd cell.Command) {
	r.mu.Lock()
	allowed := lastHopMsgs
	if r.next != nil || r.extending || r.failed {
		allowed = middleMsgs
	}
	r.mu.Unlock()
	_, body := c.RelayParts()
	m, err := cell.ParseMsg(body[:], allowed)
	if err != nil {
		r.destroy(cell.ReasonProtocol)
		return
	}
	r.n.traceMsg(r.prev.peer, m)
	switch m.Cmd {
	case cell.RelayDrop:
	case cell.RelayExtend:
		if cmd != cell.CmdRelayEarly {
			r.destroy(cell.ReasonProtocol)
			return
		}
		r.startExtend(m)
	default:
		r.endpoint().handle(m, tag)
	}
}

// endpoint returns the stream side of this hop, made on first use.
func (r *relayCirc) endpoint() *edge {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.edge == nil {
		r.edge = newEdge(r.n, false, sender{
			send:  func(m cell.Msg) (relaycrypto.Tag, error) { return r.originate(m, true) },
			push:  func(m cell.Msg) (relaycrypto.Tag, error) { return r.originate(m, false) },
			flush: r.prev.kick,
		}, r.destroy)
	}
	return r.edge
}

func (r *relayCirc) channelClosed(ch *channel) {
	r.teardown(ch, cell.ReasonDestroyed)
}

// destroy tears the circuit down from here, telling both sides.
func (r *relayCirc) destroy(reason cell.Reason) { r.teardown(nil, reason) }

// teardown ends the circuit once; from is the channel whose side already
// knows (it sent DESTROY or died), or nil.
func (r *relayCirc) teardown(from *channel, reason cell.Reason) {
	if !r.dead.CompareAndSwap(false, true) {
		return
	}
	r.prev.unregister(r.prevID)
	r.prev.closeQueue(r.toPrev)
	if from != r.prev {
		r.prev.sendControl(mustDestroy(r.prevID, reason))
	}
	r.mu.Lock()
	next, nextID, toNext := r.next, r.nextID, r.toNext
	e, cancel := r.edge, r.extendCtx
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if next != nil {
		next.unregister(nextID)
		next.closeQueue(toNext)
		if from != next {
			next.sendControl(mustDestroy(nextID, cell.ReasonDestroyed))
		}
	}
	if e != nil {
		e.close(ErrDestroyed)
	}
	r.fwdMu.Lock()
	r.bwdMu.Lock()
	if r.crypto != nil {
		r.crypto.Close() // forward secrecy: a dead circuit's keys leave memory
	}
	r.bwdMu.Unlock()
	r.fwdMu.Unlock()
	r.n.dropRelay(r)
}

func mustDestroy(id uint32, r cell.Reason) cell.Cell {
	c, err := cell.Destroy(id, r)
	if err != nil {
		panic("circuit: destroy cell: " + err.Error()) // a known reason
	}
	return c
}
