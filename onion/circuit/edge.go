package circuit

import (
	"crypto/subtle"
	"sync"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/relaycrypto"
)

// MaxStreams bounds the open streams on one circuit.
const MaxStreams = 256

// edgeMsgs are the relay messages an end of a circuit accepts from the
// other end: the client from its last hop, the last hop from the client.
var (
	clientEdgeMsgs = cell.Set(cell.RelayData, cell.RelayEnd, cell.RelayConnected, cell.RelaySendme, cell.RelayDrop)
	serverEdgeMsgs = cell.Set(cell.RelayBegin, cell.RelayData, cell.RelayEnd, cell.RelaySendme, cell.RelayDrop)
)

// edge is one end of a circuit's stream traffic: the streams, the
// circuit-level windows and the SENDME tags we wait for.
type edge struct {
	node   *Node
	client bool
	// send encrypts m towards the other end and queues it, in order;
	// push does the same without waking the channel's writer, and flush
	// wakes it (stream writes wake it once per batch of cells).
	send  func(m cell.Msg) (relaycrypto.Tag, error)
	push  func(m cell.Msg) (relaycrypto.Tag, error)
	flush func()
	// kill destroys the circuit; it must not be called with mu held.
	kill func(reason cell.Reason)

	sendMu   sync.Mutex // orders DATA cells with their SENDME bookkeeping
	sentData int        // DATA cells sent since the last expected tag (sendMu)

	mu       sync.Mutex
	cond     *sync.Cond
	pkg      int                // circuit package window
	expect   []relaycrypto.Tag  // SENDME tags we wait for, oldest first
	recvData int                // DATA cells received
	readData int                // of those, read by a stream's reader (or dropped)
	ackTags  []relaycrypto.Tag  // tags of every CircIncrement-th DATA received, not yet acknowledged
	streams  map[uint16]*Stream // open streams
	next     uint16             // last stream ID we picked (client)
	err      error              // set once the circuit is gone
}

// sender is how an edge reaches the other end of its circuit.
type sender struct {
	send, push func(m cell.Msg) (relaycrypto.Tag, error)
	flush      func()
}

func newEdge(n *Node, client bool, s sender, kill func(cell.Reason)) *edge {
	e := &edge{node: n, client: client, send: s.send, push: s.push, flush: s.flush, kill: kill, pkg: CircWindow, streams: make(map[uint16]*Stream)}
	e.cond = sync.NewCond(&e.mu)
	return e
}

// sendData queues one DATA message, whose circuit window the caller has
// reserved, and records the tag every CircIncrement cells. The caller
// flushes.
func (e *edge) sendData(m cell.Msg) error {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	tag, err := e.push(m)
	if err != nil {
		return err
	}
	if e.sentData++; e.sentData == CircIncrement {
		e.sentData = 0
		e.mu.Lock()
		e.expect = append(e.expect, tag)
		e.mu.Unlock()
	}
	return nil
}

// handle processes a message from the other end; tag is its SENDME tag.
// It runs on the reader of the circuit's channel.
func (e *edge) handle(m cell.Msg, tag relaycrypto.Tag) {
	var bad bool
	switch m.Cmd {
	case cell.RelaySendme:
		bad = e.onSendme(m)
	case cell.RelayData:
		if reason, ok := e.onData(m, tag); !ok {
			e.kill(reason)
			return
		}
	case cell.RelayBegin:
		bad = e.onBegin(m)
	case cell.RelayConnected:
		bad = e.onConnected(m)
	case cell.RelayEnd:
		e.onEnd(m)
	case cell.RelayDrop:
	}
	if bad {
		e.kill(cell.ReasonProtocol)
	}
}

// onSendme applies a SENDME; a forged or unexpected one is a violation.
func (e *edge) onSendme(m cell.Msg) bool {
	tag, circuit, err := m.Sendme()
	if err != nil {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if circuit {
		if len(e.expect) == 0 || subtle.ConstantTimeCompare(tag[:], e.expect[0][:]) != 1 {
			return true
		}
		e.expect = e.expect[1:]
		e.pkg += CircIncrement
		e.cond.Broadcast()
		return e.pkg > CircWindow
	}
	s := e.streams[m.StreamID]
	if s == nil {
		return false // a stream we already closed
	}
	s.pkg += StreamIncrement
	e.cond.Broadcast()
	return s.pkg > StreamWindow
}

// onData queues data for its stream. Circuit SENDMEs go out as data is
// read, not as it arrives, so what a circuit buffers here is bounded by
// its window (CircWindow cells), whatever its number of streams; across
// the node, buffered stream data is bounded by MaxStreamCells.
func (e *edge) onData(m cell.Msg, tag relaycrypto.Tag) (cell.Reason, bool) {
	e.mu.Lock()
	e.recvData++
	if e.recvData-e.readData > CircWindow {
		e.mu.Unlock()
		return cell.ReasonProtocol, false // the sender ignored the window
	}
	if e.recvData%CircIncrement == 0 {
		e.ackTags = append(e.ackTags, tag)
	}
	var acks []relaycrypto.Tag
	reason, ok := cell.ReasonNone, true
	if s := e.streams[m.StreamID]; s != nil && !s.ended && !s.closed {
		reason, ok = s.pushLocked(m.Data)
	} else {
		acks = e.readLocked(1, acks) // a stream already gone: dropped, counted as read
	}
	e.mu.Unlock()
	e.ack(acks)
	return reason, ok
}

// readLocked counts n received DATA cells as read and collects the
// circuit SENDMEs that earns.
func (e *edge) readLocked(n int, acks []relaycrypto.Tag) []relaycrypto.Tag {
	for range n {
		if e.readData++; e.readData%CircIncrement == 0 && len(e.ackTags) > 0 {
			acks = append(acks, e.ackTags[0])
			e.ackTags = e.ackTags[1:]
		}
	}
	return acks
}

// ack sends a circuit SENDME for each tag.
func (e *edge) ack(tags []relaycrypto.Tag) {
	for _, t := range tags {
		tt := [cell.SendmeTagLen]byte(t)
		if _, err := e.send(cell.CircuitSendmeMsg(&tt)); err != nil {
			return // the circuit is going away anyway
		}
	}
}

func (e *edge) onConnected(m cell.Msg) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.streams[m.StreamID]
	if s == nil {
		return false
	}
	if s.connected {
		return true
	}
	s.connected = true
	e.cond.Broadcast()
	return false
}

func (e *edge) onEnd(m cell.Msg) {
	reason, _ := m.Reason()
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.streams[m.StreamID]; s != nil {
		s.remoteEnd(reason)
		e.cond.Broadcast()
	}
}

// onBegin opens a stream to a local service (last hop only).
func (e *edge) onBegin(m cell.Msg) bool {
	name, err := m.Service()
	if err != nil {
		return true
	}
	e.mu.Lock()
	if _, dup := e.streams[m.StreamID]; dup {
		e.mu.Unlock()
		return true
	}
	svc := e.node.cfg.Services.lookup(name)
	if svc == nil || len(e.streams) >= MaxStreams || e.err != nil || !e.node.serviceSlot() {
		e.mu.Unlock()
		reason := cell.ReasonNoService
		if svc != nil {
			reason = cell.ReasonResourceLimit
		}
		e.send(cell.EndMsg(m.StreamID, reason))
		return false
	}
	s := newStream(e, m.StreamID)
	s.connected, s.service = true, true
	e.streams[m.StreamID] = s
	e.mu.Unlock()
	if _, err := e.send(cell.ConnectedMsg(m.StreamID)); err != nil {
		return false
	}
	e.node.serve(svc, s)
	return false
}

// open starts a stream to service at the last hop (client only).
func (e *edge) open(service string) (*Stream, error) {
	e.mu.Lock()
	if e.err != nil {
		e.mu.Unlock()
		return nil, e.err
	}
	if len(e.streams) >= MaxStreams {
		e.mu.Unlock()
		return nil, ErrStreamLimit
	}
	for {
		e.next++
		if _, used := e.streams[e.next]; e.next != 0 && !used {
			break
		}
	}
	s := newStream(e, e.next)
	e.streams[s.id] = s
	e.mu.Unlock()
	if _, err := e.send(cell.BeginMsg(s.id, service)); err != nil {
		e.forget(s)
		return nil, err
	}
	return s, nil
}

func (e *edge) forget(s *Stream) {
	e.mu.Lock()
	if e.streams[s.id] == s {
		delete(e.streams, s.id)
	}
	e.mu.Unlock()
}

// close fails every stream with err (the circuit is gone).
func (e *edge) close(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return
	}
	e.err = err
	for _, s := range e.streams {
		s.remoteEnd(cell.ReasonDestroyed)
	}
	e.cond.Broadcast()
}
