package gossip

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	mrand "math/rand/v2"
	"slices"
	"sync"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Errors. ErrMalformed, ErrUnsolicited, ErrTooManyRequests and ErrFlood
// are protocol violations: Handle returns one, detaches the peer, and the
// caller closes the link.
var (
	ErrMalformed       = errors.New("gossip: malformed message")
	ErrUnsolicited     = errors.New("gossip: unsolicited or over-long reply")
	ErrTooManyRequests = errors.New("gossip: too many record requests")
	ErrFlood           = errors.New("gossip: push flood")
	ErrDetached        = errors.New("gossip: peer detached")
	ErrClosed          = errors.New("gossip: engine closed")
	ErrNotOwn          = errors.New("gossip: record is not this node's")
)

// Engine is one node's gossip state: its peers, their queues, the seen
// cache and the counters. Make it with New. Safe for concurrent use.
type Engine struct {
	cfg  Config // with defaults
	seen *seenSet
	// retries counts, per record, the copies let past the seen cache
	// because the book had no room for an earlier one.
	retries *retrySet
	st      counters
	bufs    sync.Pool // *[]byte with room for wire.MaxPayload
	wg      sync.WaitGroup

	mu     sync.RWMutex
	peers  []*Peer // in Attach order, so a seeded run forwards in one order
	own    []byte  // our record, as last published; pushed to every new peer
	closed bool
}

// New returns an engine for cfg. It panics if cfg.Book is nil.
func New(cfg Config) *Engine {
	if cfg.Book == nil {
		panic("gossip: Config.Book is nil")
	}
	if cfg.Rand == nil {
		var seed [32]byte
		rand.Read(seed[:])
		cfg.Rand = mrand.New(mrand.NewChaCha8(seed))
	}
	e := &Engine{cfg: cfg.withDefaults()}
	e.seen = newSeenSet(e.cfg.SeenCacheSize)
	e.retries = newRetrySet(maxRetryEntries)
	e.bufs.New = func() any {
		b := make([]byte, 0, wire.MaxPayload)
		return &b
	}
	return e
}

// Attach adds a peer reachable through s and starts its flusher, which
// first asks it for RequestOnAttach records. After Close it returns a
// detached Peer.
func (e *Engine) Attach(id identity.NodeID, s Sender) *Peer {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return deadPeer(e, id)
	}
	p := newPeer(e, id, s, e.seedLocked())
	e.peers = append(e.peers, p)
	if e.own != nil {
		// A new peer learns our record at once: it is in no book we
		// answer requests from (a book does not hold its own node).
		p.enqueue(e.own)
	}
	e.wg.Add(1)
	e.mu.Unlock()
	go p.run()
	e.cfg.Logger.Debug("gossip: peer attached", "peer", id.Short())
	return p
}

// seedLocked makes one peer's jitter generator from Config.Rand.
func (e *Engine) seedLocked() *mrand.Rand {
	return mrand.New(mrand.NewPCG(e.cfg.Rand.Uint64(), e.cfg.Rand.Uint64()))
}

// remove takes p out of the forwarding set.
func (e *Engine) remove(p *Peer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.peers = slices.DeleteFunc(e.peers, func(x *Peer) bool { return x == p })
}

// Close detaches every peer and waits for their goroutines (each may be
// finishing a Sender.Send). Idempotent; Publish and Attach fail after it.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	peers := slices.Clone(e.peers)
	e.mu.Unlock()
	for _, p := range peers {
		p.stop()
	}
	e.wg.Wait()
}

// Stats returns a snapshot of the counters.
func (e *Engine) Stats() Stats { return e.st.snapshot() }

// Publish verifies raw, our own (newly signed) record, offers it to the
// Book with source Config.Self and queues it to every peer, whatever the
// Book's verdict (a book may refuse to hold its own node's record). It
// returns the verification error, ErrNotOwn for another node's record, or
// ErrClosed.
func (e *Engine) Publish(raw []byte) error {
	e.mu.RLock()
	closed := e.closed
	e.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	rec, err := e.cfg.Verify(raw)
	if err != nil {
		return err
	}
	if rec.NodeID != e.cfg.Self {
		return ErrNotOwn
	}
	own := bytes.Clone(raw)
	e.seen.add(sha256.Sum256(own))
	e.mu.Lock()
	e.own = own
	e.mu.Unlock()
	e.cfg.Book.Offer(rec, own, e.cfg.Self)
	e.forward(own, e.cfg.Self, rec.NodeID)
	return nil
}

// process handles one received record from src: seen cache, then
// verification, then the Book, then forwarding.
func (e *Engine) process(raw []byte, src identity.NodeID) {
	h := sha256.Sum256(raw)
	if !e.seen.add(h) {
		e.st.duplicate.Add(1)
		return
	}
	rec, err := e.cfg.Verify(raw)
	if err != nil {
		e.reject(err, h)
		return
	}
	own := bytes.Clone(raw)
	tries := e.retries.get(h)
	verdict := e.offer(rec, own, src)
	if verdict == NotStored && tries < maxReoffers {
		// The book had no room where this source's records go; a copy
		// from another peer lands elsewhere, so let the next one in.
		e.retries.bump(h)
		e.seen.remove(h)
	}
	if tries == 0 && verdict != Stale {
		e.forward(own, src, rec.NodeID)
	}
}

// offer gives a verified record to the Book and reports whether to forward
// it.
func (e *Engine) offer(rec *record.Record, raw []byte, src identity.NodeID) Verdict {
	v := e.cfg.Book.Offer(rec, raw, src)
	switch v {
	case Stored:
		e.st.stored.Add(1)
	case NotStored:
		e.st.notStored.Add(1)
	default:
		e.st.stale.Add(1)
	}
	return v
}

// reject counts a record that failed verification. Its hash stays in the
// seen cache (it would fail again), except a not-yet-valid record's, which
// may become valid.
func (e *Engine) reject(err error, h [32]byte) {
	switch {
	case errors.Is(err, record.ErrNotYetValid):
		e.seen.remove(h)
		e.st.expired.Add(1)
	case errors.Is(err, record.ErrExpired):
		e.st.expired.Add(1)
	case errors.Is(err, record.ErrBadSignature), errors.Is(err, record.ErrKeyMismatch):
		e.st.badSignature.Add(1)
	default:
		e.st.malformed.Add(1)
	}
}

// forward queues raw to every peer but src and the record's own node.
func (e *Engine) forward(raw []byte, src, subject identity.NodeID) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, p := range e.peers {
		if p.id != src && p.id != subject {
			p.enqueue(raw)
		}
	}
}

func (e *Engine) getBuf() *[]byte  { return e.bufs.Get().(*[]byte) }
func (e *Engine) putBuf(b *[]byte) { *b = (*b)[:0]; e.bufs.Put(b) }
