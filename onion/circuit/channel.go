package circuit

import (
	"slices"
	"sync"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/overlay/identity"
)

// handler is a circuit's presence on one channel: it gets the cells that
// arrive there for its circuit ID, on the channel's reader goroutine. c
// is a pooled cell; handle reports whether it kept it (queued it on), in
// which case the reader takes a new one.
type handler interface {
	handle(ch *channel, c *cell.Cell) (kept bool)
	// channelClosed runs once if the channel dies under the circuit.
	channelClosed(ch *channel)
}

// channel is a link serving circuits: a reader, a writer, the circuit IDs
// in use, and a queue per circuit.
type channel struct {
	node   *Node
	conn   Conn
	peer   identity.NodeID // zero if anonymous
	dialer bool            // we dialed the link: our circuit IDs have cell.DialerBit
	// clientOnly: we dialed this link as a client (to a first hop); the
	// peer may never open a circuit on it. Answering a CREATE here, even
	// with a refusal, would tell a guard whether (and which) relay its
	// anonymous client is.
	clientOnly bool

	cmu    sync.Mutex
	circs  map[uint32]handler
	nextID uint32
	dead   bool

	// CREATE admission, touched only by the reader.
	tokens   float64
	lastFill time.Time

	qmu    sync.Mutex
	ctrl   *queue // DESTROYs for circuits that have no queue (refused CREATEs)
	qdead  bool   // the writer is gone: queue nothing more
	active []*queue
	queued int // cells in the active queues
	wake   chan struct{}
	done   chan struct{}

	// pending are the channels whose writers this channel's reader has
	// queued cells for and not yet woken (reader-owned): waking them once
	// per burst instead of once per cell lets them write in batches.
	pending []*channel

	closeOnce sync.Once
	wg        sync.WaitGroup
}

// bufferedConn is a Conn that can tell whether its next frame is already
// buffered (*link.Link can).
type bufferedConn interface{ Buffered() bool }

const writeBatch = 256

// maxControl bounds the DESTROYs a channel queues for refused CREATEs; past
// it they are dropped (a peer that floods CREATEs and reads slowly gets no
// more answers, and costs no more memory).
const maxControl = 256

func newChannel(n *Node, conn Conn) *channel {
	p := conn.Peer()
	ch := &channel{
		node: n, conn: conn, dialer: p.Initiator,
		circs: make(map[uint32]handler),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	if p.Authenticated {
		ch.peer = p.NodeID
	}
	ch.ctrl = newQueue(ch, nil, maxControl)
	return ch
}

// admitCreate takes a token from the link's CREATE bucket.
func (ch *channel) admitCreate() bool {
	cfg := &ch.node.cfg
	rate, burst := cfg.ClientCreateRate, cfg.ClientCreateBurst
	if ch.peer != (identity.NodeID{}) {
		rate, burst = cfg.RelayCreateRate, cfg.RelayCreateBurst
	}
	now := cfg.Now()
	if ch.lastFill.IsZero() {
		ch.tokens = burst
	} else if d := now.Sub(ch.lastFill); d > 0 {
		ch.tokens = min(burst, ch.tokens+d.Seconds()*rate)
	}
	ch.lastFill = now
	if ch.tokens < 1 {
		return false
	}
	ch.tokens--
	return true
}

// circuitCount is the number of circuits on the channel.
func (ch *channel) circuitCount() int {
	ch.cmu.Lock()
	defer ch.cmu.Unlock()
	return len(ch.circs)
}

func (ch *channel) start() {
	ch.wg.Add(2)
	go func() { defer ch.wg.Done(); ch.readLoop() }()
	go func() { defer ch.wg.Done(); ch.writeLoop() }()
}

// register allocates a circuit ID of our side for h.
func (ch *channel) register(h handler) (uint32, bool) { return ch.registerWith(h, nil) }

// registerWith is register, calling set with the ID before h becomes
// visible to the reader (so h never handles a cell without knowing it).
func (ch *channel) registerWith(h handler, set func(uint32)) (uint32, bool) {
	ch.cmu.Lock()
	defer ch.cmu.Unlock()
	if ch.dead {
		return 0, false
	}
	for range 1 << 16 {
		ch.nextID++
		id := ch.nextID&^cell.DialerBit | ch.ourBit()
		if id&^cell.DialerBit == 0 {
			continue
		}
		if _, used := ch.circs[id]; !used {
			if set != nil {
				set(id)
			}
			ch.circs[id] = h
			return id, true
		}
	}
	return 0, false
}

func (ch *channel) ourBit() uint32 {
	if ch.dialer {
		return cell.DialerBit
	}
	return 0
}

// claim registers h under the peer's circuit ID id; false if id is not
// the peer's to pick or is in use.
func (ch *channel) claim(id uint32, h handler) bool {
	if !cell.ValidCircID(id, !ch.dialer) {
		return false
	}
	ch.cmu.Lock()
	defer ch.cmu.Unlock()
	if _, used := ch.circs[id]; used || ch.dead {
		return false
	}
	ch.circs[id] = h
	return true
}

func (ch *channel) unregister(id uint32) {
	ch.cmu.Lock()
	delete(ch.circs, id)
	ch.cmu.Unlock()
}

func (ch *channel) lookup(id uint32) handler {
	ch.cmu.Lock()
	h := ch.circs[id]
	ch.cmu.Unlock()
	return h
}

// send queues c on q and wakes the writer; false if q is full or closed
// (c is then freed).
func (ch *channel) send(q *queue, c *cell.Cell) bool {
	if !ch.push(q, c) {
		return false
	}
	ch.kick()
	return true
}

// sendFrom queues c on q for the reader of from, which wakes ch's writer
// at the end of its burst.
func (ch *channel) sendFrom(from *channel, q *queue, c *cell.Cell) bool {
	if from == nil {
		return ch.send(q, c)
	}
	if !ch.push(q, c) {
		return false
	}
	if !slices.Contains(from.pending, ch) {
		from.pending = append(from.pending, ch)
	}
	return true
}

// flushWakes wakes the writers this reader queued cells for.
func (ch *channel) flushWakes() {
	for i, p := range ch.pending {
		p.kick()
		ch.pending[i] = nil
	}
	ch.pending = ch.pending[:0]
}

// kick wakes the writer.
func (ch *channel) kick() {
	select {
	case ch.wake <- struct{}{}:
	default:
	}
}

// push queues c on q without waking the writer.
func (ch *channel) push(q *queue, c *cell.Cell) bool {
	ch.qmu.Lock()
	ok := !ch.qdead && q.pushLocked(c, monoNow())
	if ok {
		ch.queued++
		if !q.active {
			q.active = true
			ch.active = append(ch.active, q)
		}
	}
	ch.qmu.Unlock()
	if !ok {
		putCell(c)
		return false
	}
	if !ch.node.budget.add(1) {
		ch.node.outOfMemory()
	}
	return true
}

// closeQueue frees q's cells.
func (ch *channel) closeQueue(q *queue) {
	ch.qmu.Lock()
	n := q.drainLocked()
	ch.queued -= n
	ch.qmu.Unlock()
	ch.node.budget.sub(n)
}

// sendControl queues a cell that belongs to no circuit's queue (DESTROY
// for a refused or torn-down circuit) on the channel's bounded control
// queue; when that is full the cell is dropped.
func (ch *channel) sendControl(c cell.Cell) {
	b := getCell()
	*b = c
	ch.send(ch.ctrl, b)
}

func (ch *channel) writeLoop() {
	batch := make([]*cell.Cell, 0, writeBatch)
	bufs := make([][]byte, 0, writeBatch)
	for {
		select {
		case <-ch.wake:
		case <-ch.done:
			return
		}
		// Send what was queued when woken, then wait for the next wake:
		// every producer wakes the writer after its burst, so cells
		// queued meanwhile are never stranded, and batches stay as large
		// as the bursts (draining until empty would chase a producer on
		// the other core one cell at a time).
		for left := ch.queuedCells(); left > 0; {
			batch = ch.take(batch[:0], min(left, writeBatch))
			if len(batch) == 0 {
				break
			}
			left -= len(batch)
			bufs = bufs[:0]
			for _, c := range batch {
				bufs = append(bufs, c[:])
			}
			err := ch.conn.SendBatch(bufs)
			ch.node.budget.sub(len(batch))
			for _, c := range batch {
				putCell(c)
			}
			if err != nil {
				ch.close()
				return
			}
		}
	}
}

// queuedCells is the number of cells waiting on the channel.
func (ch *channel) queuedCells() int {
	ch.qmu.Lock()
	defer ch.qmu.Unlock()
	return ch.queued
}

// take pops up to max cells round-robin from the active queues, at most 8
// from one queue per turn.
func (ch *channel) take(batch []*cell.Cell, max int) []*cell.Cell {
	ch.qmu.Lock()
	defer ch.qmu.Unlock()
	for len(batch) < max && len(ch.active) > 0 {
		q := ch.active[0]
		for i := 0; i < 8 && q.n > 0 && len(batch) < max; i++ {
			batch = append(batch, q.popLocked())
			ch.queued--
		}
		ch.active = ch.active[1:]
		if q.n > 0 {
			ch.active = append(ch.active, q)
		} else {
			q.active = false
		}
	}
	if len(ch.active) == 0 {
		ch.active = nil // let the backing array go
	}
	return batch
}

func (ch *channel) readLoop() {
	defer ch.close()
	defer ch.flushWakes()
	bc, _ := ch.conn.(bufferedConn)
	c := getCell()
	defer func() { putCell(c) }()
	for burst := 0; ; burst++ {
		if bc == nil || burst%writeBatch == 0 || !bc.Buffered() {
			ch.flushWakes()
		}
		b, err := ch.conn.Recv()
		if err != nil {
			return
		}
		if len(b) != cell.Size {
			ch.node.log.Debug("circuit: frame of the wrong size; closing the link", "len", len(b))
			return
		}
		copy(c[:], b)
		if err := c.Validate(); err != nil {
			ch.node.log.Debug("circuit: malformed cell; closing the link", "err", err)
			return
		}
		ok, kept := ch.dispatch(c)
		if !ok {
			return
		}
		if kept {
			c = getCell()
		}
	}
}

// dispatch handles one cell; !ok closes the link, kept says a handler
// kept c.
func (ch *channel) dispatch(c *cell.Cell) (ok, kept bool) {
	switch c.Cmd() {
	case cell.CmdPadding:
		return true, false
	case cell.CmdCreate:
		return ch.node.create(ch, c), false
	}
	h := ch.lookup(c.CircID())
	if h == nil {
		return true, false // a cell for a circuit already gone: drop it
	}
	return true, h.handle(ch, c)
}

// close ends the channel once: the link closes, every circuit on it is
// told, the writer stops.
func (ch *channel) close() {
	ch.closeOnce.Do(func() {
		ch.conn.Close()
		close(ch.done)
		ch.cmu.Lock()
		ch.dead = true
		circs := ch.circs
		ch.circs = map[uint32]handler{}
		ch.cmu.Unlock()
		for _, h := range circs {
			h.channelClosed(ch)
		}
		ch.qmu.Lock()
		ch.qdead = true
		n := 0
		for _, q := range ch.active {
			n += q.drainLocked()
		}
		ch.active, ch.queued = nil, 0
		ch.qmu.Unlock()
		ch.node.budget.sub(n)
		ch.node.dropChannel(ch)
	})
}
