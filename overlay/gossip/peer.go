package gossip

import (
	"errors"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
)

// Peer is one attached link peer. Handle feeds it the peer's gossip
// messages; its flusher goroutine sends to it. Safe for concurrent use.
type Peer struct {
	e  *Engine
	id identity.NodeID
	s  Sender

	// Receive side, guarded by hmu (held for a whole Handle).
	hmu         sync.Mutex
	in          bucket
	floodStart  time.Time
	floodDrops  int
	gotGet      bool
	lastGet     time.Time
	outstanding bool // our GET_RECORDS has had no done reply yet
	asked       int  // records its replies may still carry

	// Shared with the flusher, guarded by mu.
	mu      sync.Mutex
	q       queue
	sendGet int // GET_RECORDS to send (0: none)
	answer  int // records to answer a GET_RECORDS with (0: none)
	stopped bool

	// Flusher only.
	rng   *mrand.Rand
	out   bucket
	batch [][]byte

	wake   chan struct{} // capacity 1: work for the flusher
	done   chan struct{} // closed by stop
	exited chan struct{} // closed when the flusher has returned
	once   sync.Once
}

func newPeer(e *Engine, id identity.NodeID, s Sender, rng *mrand.Rand) *Peer {
	c, now := &e.cfg, time.Now()
	p := &Peer{
		e: e, id: id, s: s, rng: rng,
		in:   newBucket(c.PushRate, c.PushBurst, now),
		out:  newBucket(c.PushRate, max(c.PushBurst/2, 1), now),
		q:    queue{max: c.QueueLen},
		wake: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{}),
		floodStart: now,
	}
	if c.RequestOnAttach > 0 {
		p.sendGet, p.outstanding, p.asked = c.RequestOnAttach, true, c.RequestOnAttach
		p.signal()
	}
	return p
}

// deadPeer is what Attach returns after Close: already detached.
func deadPeer(e *Engine, id identity.NodeID) *Peer {
	p := &Peer{e: e, id: id, done: make(chan struct{}), exited: make(chan struct{}), stopped: true}
	p.once.Do(func() { close(p.done) })
	close(p.exited)
	return p
}

// ID returns the peer's node ID.
func (p *Peer) ID() identity.NodeID { return p.id }

// Detach stops forwarding to the peer, drops its queue and waits for its
// flusher, which may be inside Sender.Send: close the link first if Send
// can block for long. Idempotent.
func (p *Peer) Detach() {
	p.stop()
	<-p.exited
}

// stop detaches p without waiting.
func (p *Peer) stop() {
	p.once.Do(func() {
		close(p.done)
		p.e.remove(p)
		p.mu.Lock()
		p.stopped = true
		p.q.reset()
		p.sendGet, p.answer = 0, 0
		p.mu.Unlock()
	})
}

func (p *Peer) isStopped() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal wakes the flusher without blocking.
func (p *Peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// enqueue queues raw for the next flush.
func (p *Peer) enqueue(raw []byte) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	dropped := p.q.push(raw)
	first := p.q.len() == 1
	p.mu.Unlock()
	p.e.st.forwarded.Add(1)
	if dropped {
		p.e.st.queueDropped.Add(1)
	}
	if first {
		p.signal() // the flusher arms its timer
	}
}

// Handle processes one gossip message from the peer (first byte 0x10 to
// 0x12). m may be reused once Handle returns. A non-nil error is a protocol
// violation (ErrMalformed, ErrUnsolicited, ErrTooManyRequests, ErrFlood):
// the peer is detached and the caller must close the link. After Detach it
// returns ErrDetached. Bad records inside a well-formed message are dropped
// and counted, not errors. Handle never blocks on sending.
func (p *Peer) Handle(m []byte) error {
	p.hmu.Lock()
	defer p.hmu.Unlock()
	if p.isStopped() {
		return ErrDetached
	}
	err := p.handle(m)
	if err != nil {
		p.e.st.disconnected.Add(1)
		p.e.cfg.Logger.Debug("gossip: disconnecting peer", "peer", p.id.Short(), "err", err)
		p.stop()
	}
	return err
}

func (p *Peer) handle(m []byte) error {
	if len(m) == 0 {
		return ErrMalformed
	}
	switch wire.Type(m[0]) {
	case wire.TypePush:
		return p.handlePush(m)
	case wire.TypeGet:
		return p.handleGet(m)
	case wire.TypeReply:
		return p.handleReply(m)
	}
	return ErrMalformed
}

func (p *Peer) handlePush(m []byte) error {
	recs, err := wire.ParsePush(m)
	now := time.Now()
	if errors.Is(err, wire.ErrOversize) {
		p.e.st.oversize.Add(1)
		return p.limit(now, 1)
	}
	if err != nil {
		return malformed(err)
	}
	p.e.st.received.Add(uint64(len(recs)))
	ok := p.in.take(now, len(recs))
	for _, r := range recs[:ok] {
		p.e.process(r, p.id)
	}
	if dropped := len(recs) - ok; dropped > 0 {
		p.e.st.rateLimited.Add(uint64(dropped))
		return p.flood(now, dropped)
	}
	return nil
}

// limit takes n tokens for something that is not a record we process.
func (p *Peer) limit(now time.Time, n int) error {
	if dropped := n - p.in.take(now, n); dropped > 0 {
		return p.flood(now, dropped)
	}
	return nil
}

// flood counts records dropped for rate and fails past FloodLimit in the
// current FloodWindow.
func (p *Peer) flood(now time.Time, dropped int) error {
	c := &p.e.cfg
	if now.Sub(p.floodStart) >= c.FloodWindow {
		p.floodStart, p.floodDrops = now, 0
	}
	p.floodDrops += dropped
	if p.floodDrops > c.FloodLimit {
		return ErrFlood
	}
	return nil
}

func (p *Peer) handleGet(m []byte) error {
	want, err := wire.ParseGet(m)
	if err != nil {
		return malformed(err)
	}
	now := time.Now()
	if p.gotGet && now.Sub(p.lastGet) < p.e.cfg.RequestInterval {
		return ErrTooManyRequests
	}
	p.gotGet, p.lastGet = true, now
	p.e.st.requests.Add(1)
	p.mu.Lock()
	p.answer = want
	p.mu.Unlock()
	p.signal()
	return nil
}

func (p *Peer) handleReply(m []byte) error {
	recs, done, err := wire.ParseReply(m)
	if !p.outstanding {
		return ErrUnsolicited
	}
	if errors.Is(err, wire.ErrOversize) {
		p.e.st.oversize.Add(1) // its records and done flag are lost
		return nil
	}
	if err != nil {
		return malformed(err)
	}
	if len(recs) > p.asked {
		return ErrUnsolicited
	}
	p.asked -= len(recs)
	p.outstanding = !done
	p.e.st.replies.Add(1)
	p.e.st.received.Add(uint64(len(recs)))
	for _, r := range recs {
		p.e.process(r, p.id)
	}
	return nil
}

// violation is a protocol violation with its detail: errors.Is matches
// both kind and detail; the message is the detail's.
type violation struct{ kind, detail error }

func (v *violation) Error() string   { return v.detail.Error() }
func (v *violation) Unwrap() []error { return []error{v.kind, v.detail} }

func malformed(err error) error { return &violation{ErrMalformed, err} }
