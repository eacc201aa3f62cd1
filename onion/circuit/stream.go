package circuit

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/relaycrypto"
)

// Stream is a reliable, ordered byte stream to a service at a circuit's
// last hop (or, at the last hop, from a client). Read, Write and Close may
// be called concurrently; Reads serialise, as do Writes.
type Stream struct {
	e  *edge
	id uint16

	// Guarded by e.mu.
	pkg       int     // DATA cells we may still send (stream window)
	recv      int     // DATA cells the other end may still send us
	consumed  int     // cells read since our last stream SENDME
	chunks    []chunk // received data, one chunk per cell, from head on
	head      int
	connected bool
	ended     bool // the other end sent END, or the circuit died
	endReason cell.Reason
	closed    bool // we closed it
	service   bool // opened by a client to a service here (holds a service slot)
}

// Stream errors.
var (
	ErrStreamClosed = errors.New("circuit: stream closed")
	ErrStreamReset  = errors.New("circuit: stream ended by the other end")
)

// chunk is one DATA cell's data, in a pooled buffer, read from off.
type chunk struct {
	buf    *[cell.MaxData]byte
	off, n int
}

var chunkPool = sync.Pool{New: func() any { return new([cell.MaxData]byte) }}

func newStream(e *edge, id uint16) *Stream {
	return &Stream{e: e, id: id, pkg: StreamWindow, recv: StreamWindow}
}

// pushLocked queues one cell's data; !ok means the circuit must die: the
// other end overran the stream window, or the node holds too much.
func (s *Stream) pushLocked(p []byte) (cell.Reason, bool) {
	if s.recv--; s.recv < 0 {
		return cell.ReasonProtocol, false
	}
	if !s.e.node.holdStreamCell() {
		return cell.ReasonResourceLimit, false
	}
	b := chunkPool.Get().(*[cell.MaxData]byte)
	if s.empty() {
		s.e.cond.Broadcast() // a reader waits only on an empty stream
	}
	s.chunks = append(s.chunks, chunk{buf: b, n: copy(b[:], p)})
	return cell.ReasonNone, true
}

func (s *Stream) remoteEnd(r cell.Reason) {
	if !s.ended {
		s.ended, s.endReason = true, r
	}
}

// waitConnected waits for CONNECTED or END (client side).
func (s *Stream) waitConnected(timeout time.Duration) error {
	e := s.e
	timer := time.AfterFunc(timeout, func() {
		e.mu.Lock()
		if !s.connected { // CONNECTED may have won the race with the timer
			s.remoteEnd(cell.ReasonTimeout)
			e.cond.Broadcast()
		}
		e.mu.Unlock()
	})
	defer timer.Stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	for !s.connected && !s.ended {
		e.cond.Wait()
	}
	if s.connected {
		return nil
	}
	switch s.endReason {
	case cell.ReasonNoService:
		return ErrNoService
	case cell.ReasonTimeout:
		return ErrTimeout
	case cell.ReasonDestroyed:
		return ErrDestroyed
	}
	return ErrRefused
}

// Read reads data the other end sent. It returns io.EOF after the other
// end closed the stream and its data is read.
func (s *Stream) Read(p []byte) (int, error) {
	e := s.e
	e.mu.Lock()
	for s.empty() && !s.ended && !s.closed {
		e.cond.Wait()
	}
	if s.closed {
		e.mu.Unlock()
		return 0, ErrStreamClosed
	}
	if s.empty() {
		err := s.endErrLocked()
		e.mu.Unlock()
		return 0, err
	}
	n, acks, circAcks := s.readLocked(p)
	e.mu.Unlock()
	for range acks {
		e.send(cell.StreamSendmeMsg(s.id))
	}
	e.ack(circAcks)
	return n, nil
}

// readLocked copies as much queued data into p as fits, and returns how
// many stream SENDMEs and which circuit SENDMEs the cells it finished
// earn.
func (s *Stream) readLocked(p []byte) (n, acks int, circAcks []relaycrypto.Tag) {
	for n < len(p) && !s.empty() {
		ch := &s.chunks[s.head]
		k := copy(p[n:], ch.buf[ch.off:ch.n])
		n += k
		if ch.off += k; ch.off < ch.n {
			break
		}
		chunkPool.Put(ch.buf)
		s.e.node.releaseStreamCells(1)
		circAcks = s.e.readLocked(1, circAcks)
		s.chunks[s.head] = chunk{}
		if s.head++; s.empty() {
			s.chunks, s.head = s.chunks[:0], 0 // reuse the array from its start
		}
		if s.consumed++; s.consumed == StreamIncrement {
			s.consumed, s.recv = 0, s.recv+StreamIncrement
			acks++
		}
	}
	return n, acks, circAcks
}

func (s *Stream) empty() bool { return s.head == len(s.chunks) }

func (s *Stream) endErrLocked() error {
	switch s.endReason {
	case cell.ReasonNone:
		return io.EOF
	case cell.ReasonDestroyed:
		return ErrDestroyed
	}
	return ErrStreamReset
}

// Write sends p, in cells of at most cell.MaxData bytes, waiting for the
// stream and circuit windows.
func (s *Stream) Write(p []byte) (int, error) {
	defer s.e.flush()
	n := 0
	for i := 1; len(p) > 0; i++ {
		k := min(len(p), cell.MaxData)
		if err := s.reserve(); err != nil {
			return n, err
		}
		if err := s.e.sendData(cell.DataMsg(s.id, p[:k])); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
		if i%writeBatch == 0 {
			s.e.flush()
		}
	}
	return n, nil
}

// reserve takes one cell from the stream and circuit windows.
func (s *Stream) reserve() error {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.pkg <= 0 || e.pkg <= 0 {
		e.mu.Unlock()
		e.flush() // what is queued must go before we wait for its SENDMEs
		e.mu.Lock()
	}
	for (s.pkg <= 0 || e.pkg <= 0) && !s.closed && !s.ended && e.err == nil {
		e.cond.Wait()
	}
	switch {
	case s.closed:
		return ErrStreamClosed
	case s.ended:
		if s.endReason == cell.ReasonDestroyed {
			return ErrDestroyed
		}
		return ErrStreamReset
	case e.err != nil:
		return e.err
	}
	s.pkg--
	e.pkg--
	return nil
}

// Close ends the stream: the other end reads EOF after the data already
// sent. Close is idempotent.
func (s *Stream) Close() error {
	e := s.e
	e.mu.Lock()
	if s.closed {
		e.mu.Unlock()
		return nil
	}
	s.closed = true
	sendEnd := !s.ended
	dropped := len(s.chunks) - s.head
	for _, c := range s.chunks[s.head:] {
		chunkPool.Put(c.buf)
	}
	s.chunks, s.head = nil, 0
	e.node.releaseStreamCells(dropped)
	circAcks := e.readLocked(dropped, nil)
	e.cond.Broadcast()
	e.mu.Unlock()
	e.forget(s)
	if s.service {
		e.node.releaseServiceSlot()
	}
	if sendEnd {
		e.send(cell.EndMsg(s.id, cell.ReasonNone))
	}
	e.ack(circAcks)
	return nil
}
