package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/msg"
)

// maxInboundLinks bounds inbound links that are not from static peers:
// anonymous (NK) clients and authenticated nodes we were not told to keep,
// counted together, since node identities cost nothing to make.
const maxInboundLinks = 256

// pingInterval is how often each link measures its round-trip time.
const pingInterval = 10 * time.Second

// peerLink is one established link and what we measured on it.
type peerLink struct {
	l        *link.Link
	outbound bool
	since    time.Time
	lastRecv atomic.Int64 // unix nanoseconds
	rtt      atomic.Int64 // nanoseconds, 0 until the first PONG
	closed   chan struct{}
	counted  bool // against maxInboundLinks; set under linkSet.mu

	pingMu    sync.Mutex
	pingNonce uint64 // of the PING in flight
	pingSent  time.Time
	prevNonce uint64 // of the PING before, whose PONG may still come
}

// initiator is the node that dialled this link, when it is known.
func (p *peerLink) initiator(self identity.NodeID) identity.NodeID {
	if p.outbound {
		return self
	}
	return p.l.Peer().NodeID
}

// linkSet holds the established links: at most one per node, any number up
// to maxInboundLinks of inbound links from anyone but static peers.
// Safe for concurrent use.
type linkSet struct {
	// onFatal is called when a component the node cannot run without
	// fails (the accept loop).
	onFatal func()
	log     *slog.Logger
	now     func() time.Time
	self    identity.NodeID
	g       *group

	mu      sync.Mutex
	closed  bool
	statics map[identity.NodeID]bool
	byNode  map[identity.NodeID]*peerLink
	anon    map[*peerLink]struct{}
	inbound int // links counted against maxInboundLinks
}

func newLinkSet(log *slog.Logger, now func() time.Time, self identity.NodeID) *linkSet {
	return &linkSet{
		log: log, now: now, self: self, g: newGroup(context.Background()),
		statics: make(map[identity.NodeID]bool),
		byNode:  make(map[identity.NodeID]*peerLink),
		anon:    make(map[*peerLink]struct{}),
	}
}

// acceptFrom runs the accept loop of ln until ln is closed.
func (s *linkSet) acceptFrom(ln *link.Listener) {
	s.g.Go(func(context.Context) {
		for {
			l, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, link.ErrClosed) {
					s.log.Error("link listener failed; stopping", "err", err)
					s.onFatal()
				}
				return
			}
			s.add(l, false)
		}
	})
}

// add registers an established link and starts its reader. When a link to
// the same node exists, both ends keep the link dialled by the node with the
// smaller ID, so simultaneous dials converge on one link; a redial by the same
// initiator replaces the old link, which the initiator has given up on.
func (s *linkSet) add(l *link.Link, outbound bool) *peerLink {
	p := &peerLink{l: l, outbound: outbound, since: s.now(), closed: make(chan struct{})}
	if !s.insert(p) {
		l.Close()
		return nil
	}
	s.log.Info("link up", "outbound", outbound, "authenticated", l.Peer().Authenticated)
	s.log.Debug("link up", "peer", l.Peer().NodeID.Short())
	s.g.Go(func(context.Context) { s.readLoop(p) })
	s.g.Go(func(ctx context.Context) { s.pingLoop(ctx, p) })
	return p
}

// addStatic marks id as a static peer, exempt from maxInboundLinks.
func (s *linkSet) addStatic(id identity.NodeID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statics[id] = true
}

// counted reports whether p counts against maxInboundLinks.
func (s *linkSet) countedLocked(p *peerLink) bool {
	return !p.outbound && !s.statics[p.l.Peer().NodeID]
}

func (s *linkSet) insert(p *peerLink) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	counted := s.countedLocked(p)
	if counted && s.inbound >= maxInboundLinks {
		return false
	}
	p.counted = counted
	if !p.l.Peer().Authenticated {
		s.anon[p] = struct{}{}
		s.inbound++
		return true
	}
	id := p.l.Peer().NodeID
	if old, ok := s.byNode[id]; ok {
		a, b := p.initiator(s.self), old.initiator(s.self)
		if bytes.Compare(a[:], b[:]) > 0 {
			return false
		}
		old.l.Close()
	}
	if old, ok := s.byNode[id]; ok && old.counted {
		old.counted = false
		s.inbound--
	}
	s.byNode[id] = p
	if counted {
		s.inbound++
	}
	return true
}

func (s *linkSet) remove(p *peerLink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, anon := s.anon[p]
	delete(s.anon, p)
	id := p.l.Peer().NodeID
	mine := !anon && s.byNode[id] == p
	if mine {
		delete(s.byNode, id)
	}
	if (anon || mine) && p.counted {
		p.counted = false
		s.inbound--
	}
}

// readLoop reads a link until it fails or breaks the protocol: one
// malformed or unexpected message closes the link.
func (s *linkSet) readLoop(p *peerLink) {
	defer close(p.closed)
	defer s.remove(p)
	defer p.l.Close()
	for {
		b, err := p.l.Recv()
		if err == nil {
			err = s.handle(p, b)
		}
		if err != nil {
			s.log.Info("link down", "outbound", p.outbound)
			s.log.Debug("link down", "peer", p.l.Peer().NodeID.Short(), "err", err)
			return
		}
	}
}

func (s *linkSet) handle(p *peerLink, b []byte) error {
	now := s.now()
	p.lastRecv.Store(now.UnixNano())
	m, err := msg.Parse(b)
	if err != nil {
		return err
	}
	switch m.Type {
	case msg.TypePing:
		return p.l.Send(msg.AppendPong(nil, m.Nonce))
	case msg.TypePong:
		return p.pong(m.Nonce, now)
	}
	return msg.ErrUnknownType
}

var errUnexpectedPong = errors.New("daemon: PONG answers no PING")

func (p *peerLink) pong(nonce uint64, now time.Time) error {
	p.pingMu.Lock()
	defer p.pingMu.Unlock()
	if nonce == p.prevNonce && nonce != 0 {
		return nil // late answer to a PING we stopped waiting for
	}
	if p.pingSent.IsZero() || nonce != p.pingNonce {
		return errUnexpectedPong
	}
	p.rtt.Store(int64(now.Sub(p.pingSent)))
	p.pingSent = time.Time{}
	return nil
}

// pingLoop sends a PING at once and then every pingInterval.
func (s *linkSet) pingLoop(ctx context.Context, p *peerLink) {
	for {
		p.pingMu.Lock()
		if !p.pingSent.IsZero() {
			p.prevNonce = p.pingNonce
		}
		p.pingNonce, p.pingSent = rand.Uint64()|1, s.now()
		b := msg.AppendPing(nil, p.pingNonce)
		p.pingMu.Unlock()
		if p.l.Send(b) != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-p.closed:
			return
		case <-time.After(pingInterval):
		}
	}
}

func (s *linkSet) has(id identity.NodeID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byNode[id]
	return ok
}

func (s *linkSet) snapshot() []api.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.Link, 0, len(s.byNode)+len(s.anon))
	add := func(p *peerLink) {
		out = append(out, describe(p))
	}
	for _, p := range s.byNode {
		add(p)
	}
	for p := range s.anon {
		add(p)
	}
	return out
}

func describe(p *peerLink) api.Link {
	info := p.l.Peer()
	stats := p.l.Stats()
	d := api.Link{
		Direction: "inbound", Authenticated: info.Authenticated, Since: p.since,
		FramesIn: stats.RecvFrames, FramesOut: stats.SentFrames,
		RTTMillis: float64(p.rtt.Load()) / 1e6,
	}
	if p.outbound {
		d.Direction = "outbound"
	}
	if info.Authenticated {
		d.Peer, d.PeerShort = info.NodeID.Onion(), info.NodeID.Short()
	}
	if t := p.lastRecv.Load(); t != 0 {
		d.LastRecv = time.Unix(0, t)
	}
	return d
}

// Close closes every link and waits for the readers and the accept loop.
// The listener must be closed first so that no link arrives afterwards.
func (s *linkSet) Close() {
	s.mu.Lock()
	s.closed = true
	for _, p := range s.byNode {
		p.l.Close()
	}
	for p := range s.anon {
		p.l.Close()
	}
	s.mu.Unlock()
	s.g.Close()
}
