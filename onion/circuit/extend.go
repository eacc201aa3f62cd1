package circuit

import (
	"context"
	"errors"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/overlay/record"
)

// startExtend begins extending the circuit to the node EXTEND names. The
// dial and the next hop's handshake run on a goroutine of the node.
func (r *relayCirc) startExtend(m cell.Msg) {
	rec, htype, hdata, err := m.Extend()
	if err != nil || htype != cell.HandshakeNK {
		r.destroy(cell.ReasonProtocol)
		return
	}
	r.mu.Lock()
	if r.next != nil || r.extending || r.failed {
		r.mu.Unlock()
		r.destroy(cell.ReasonProtocol)
		return
	}
	ctx, cancel := context.WithTimeout(r.n.ctx, r.n.cfg.BuildTimeout)
	r.extending, r.extendCtx, r.createdCh = true, cancel, make(chan []byte, 1)
	r.mu.Unlock()
	recb, hd := append([]byte(nil), rec...), append([]byte(nil), hdata...)
	if !r.n.goFn(func() { r.extend(ctx, cancel, recb, hd) }) {
		cancel()
		r.destroy(cell.ReasonInternal)
	}
}

func (r *relayCirc) extend(ctx context.Context, cancel context.CancelFunc, rec, hdata []byte) {
	defer cancel()
	reason, ok := r.tryExtend(ctx, rec, hdata)
	if ok || r.dead.Load() {
		return
	}
	r.n.stats.extendFailed.Add(1)
	r.dropNext(true)
	r.mu.Lock()
	r.extending, r.failed = false, true
	r.mu.Unlock()
	r.originate(cell.TruncatedMsg(reason), true)
}

// tryExtend dials, sends CREATE and relays CREATED back as EXTENDED.
func (r *relayCirc) tryExtend(ctx context.Context, recb, hdata []byte) (cell.Reason, bool) {
	rec, err := r.n.cfg.Verify(recb)
	if err != nil {
		return cell.ReasonProtocol, false
	}
	if rec.NodeID == r.n.cfg.Self || rec.NodeID == r.prev.peer {
		return cell.ReasonProtocol, false // no loops back
	}
	ch, err := r.n.channelTo(ctx, rec)
	if err != nil {
		return cell.ReasonConnectFailed, false
	}
	id, ok := ch.register(r)
	if !ok {
		return cell.ReasonResourceLimit, false
	}
	r.mu.Lock()
	if r.dead.Load() {
		// Destroyed while we dialed: teardown found no next hop to tell,
		// so the next hop must never hear of this circuit.
		r.mu.Unlock()
		ch.unregister(id)
		return cell.ReasonDestroyed, false
	}
	r.next, r.nextID, r.toNext = ch, id, newQueue(ch, r, r.n.cfg.CircuitQueue)
	created, q := r.createdCh, r.toNext
	r.mu.Unlock()
	c, err := cell.Create(id, cell.HandshakeNK, hdata)
	if err != nil {
		return cell.ReasonProtocol, false
	}
	out := getCell()
	*out = c
	if !ch.send(q, out) {
		return cell.ReasonResourceLimit, false
	}
	select {
	case h, ok := <-created:
		if !ok {
			return cell.ReasonConnectFailed, false
		}
		return r.extended(h)
	case <-ctx.Done():
		return cell.ReasonTimeout, false
	}
}

// extended finishes a successful extension.
func (r *relayCirc) extended(h []byte) (cell.Reason, bool) {
	m, err := cell.ExtendedMsg(h)
	if err != nil {
		return cell.ReasonProtocol, false
	}
	r.mu.Lock()
	r.extending, r.createdCh = false, nil
	r.mu.Unlock()
	if _, err := r.originate(m, true); err != nil {
		return cell.ReasonInternal, false
	}
	return 0, true
}

// onCreated passes the next hop's CREATED to the extension waiting for it.
func (r *relayCirc) onCreated(c *cell.Cell) {
	h, err := c.CreatedBody()
	r.mu.Lock()
	ch := r.createdCh
	if err != nil || !r.extending || ch == nil {
		r.mu.Unlock()
		r.destroy(cell.ReasonProtocol)
		return
	}
	r.createdCh = nil // a second CREATED finds none
	r.mu.Unlock()
	ch <- append([]byte(nil), h...)
}

// dropNext forgets the next hop (an extension failed).
func (r *relayCirc) dropNext(sendDestroy bool) {
	r.mu.Lock()
	next, id, q := r.next, r.nextID, r.toNext
	r.next, r.toNext = nil, nil
	r.mu.Unlock()
	if next == nil {
		return
	}
	next.unregister(id)
	next.closeQueue(q)
	if sendDestroy {
		next.sendControl(mustDestroy(id, cell.ReasonDestroyed))
	}
}

// channelTo returns an authenticated channel to rec's node, dialing one
// if there is none (one dial per node at a time).
func (n *Node) channelTo(ctx context.Context, rec *record.Record) (*channel, error) {
	for {
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			return nil, ErrClosed
		}
		if ch := n.peers[rec.NodeID]; ch != nil {
			n.mu.Unlock()
			return ch, nil
		}
		call, dialing := n.dialing[rec.NodeID]
		if !dialing {
			call = &dialCall{done: make(chan struct{})}
			n.dialing[rec.NodeID] = call
			n.mu.Unlock()
			call.ch, call.err = n.dial(ctx, rec)
			n.mu.Lock()
			delete(n.dialing, rec.NodeID)
			close(call.done)
			n.mu.Unlock()
			return call.ch, call.err
		}
		n.mu.Unlock()
		select {
		case <-call.done:
			if call.err == nil {
				return call.ch, nil
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type dialCall struct {
	done chan struct{}
	ch   *channel
	err  error
}

var errWrongPeer = errors.New("circuit: dialed link authenticated another node")

func (n *Node) dial(ctx context.Context, rec *record.Record) (*channel, error) {
	if n.cfg.Dial == nil {
		return nil, ErrConfig
	}
	conn, err := n.cfg.Dial(ctx, rec)
	if err != nil {
		return nil, err
	}
	if p := conn.Peer(); !p.Authenticated || p.NodeID != rec.NodeID {
		conn.Close()
		return nil, errWrongPeer
	}
	return n.attach(conn, false)
}
