package peers

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
)

// peerLink is one established link and what we measured on it.
type peerLink struct {
	c        Conn
	id       identity.NodeID // zero if anonymous
	auth     bool
	outbound bool
	static   bool
	since    time.Time
	lastRecv atomic.Int64 // unix nanoseconds
	rtt      atomic.Int64 // nanoseconds, 0 until the first PONG
	closed   chan struct{}
	pongs    chan uint64 // PING nonces to answer, sent by the pinger
	counted  bool        // against MaxInbound; guarded by linkSet.mu
	gossip   *gossip.Peer

	pingMu    sync.Mutex
	pingNonce uint64 // of the PING in flight
	pingSent  time.Time
	prevNonce uint64 // of the PING before, whose PONG may still come
}

// initiator is the node that dialled this link.
func (p *peerLink) initiator(self identity.NodeID) identity.NodeID {
	if p.outbound {
		return self
	}
	return p.id
}

// linkSet holds the established links: at most one per node, and up to
// max inbound links from anyone but static peers. Safe for concurrent use.
type linkSet struct {
	self identity.NodeID
	max  int

	mu      sync.Mutex
	closed  bool
	statics map[identity.NodeID]bool
	byNode  map[identity.NodeID]*peerLink
	anon    map[*peerLink]struct{}
	inbound int // links counted against max
}

func newLinkSet(self identity.NodeID, max int) *linkSet {
	return &linkSet{
		self: self, max: max,
		statics: make(map[identity.NodeID]bool),
		byNode:  make(map[identity.NodeID]*peerLink),
		anon:    make(map[*peerLink]struct{}),
	}
}

// insert registers p. When a link to the same node exists, both ends keep
// the link dialled by the node with the smaller ID, so simultaneous dials
// converge on one link; a redial by the same initiator replaces the old
// link, which the initiator has given up on. It returns the links the
// caller must close (a replaced one, an evicted one) and whether p was
// kept. pick chooses an eviction victim when the inbound cap is reached.
func (s *linkSet) insert(p *peerLink, pick func([]*peerLink) *peerLink) (kept bool, drop []*peerLink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, nil
	}
	p.static = p.auth && s.statics[p.id]
	counted := !p.outbound && !p.static
	if counted && s.inbound >= s.max {
		victim := pick(s.evictableLocked())
		if victim == nil {
			return false, nil
		}
		s.removeLocked(victim)
		drop = append(drop, victim)
	}
	if !p.auth {
		s.anon[p] = struct{}{}
		p.counted = true
		s.inbound++
		return true, drop
	}
	if old, ok := s.byNode[p.id]; ok {
		a, b := p.initiator(s.self), old.initiator(s.self)
		if bytes.Compare(a[:], b[:]) > 0 {
			return false, drop
		}
		s.removeLocked(old)
		drop = append(drop, old)
	}
	s.byNode[p.id] = p
	if counted {
		p.counted = true
		s.inbound++
	}
	return true, drop
}

// evictableLocked lists counted inbound links except the protectedInbound
// longest-lived, oldest first.
func (s *linkSet) evictableLocked() []*peerLink {
	var all []*peerLink
	for _, p := range s.byNode {
		if p.counted {
			all = append(all, p)
		}
	}
	for p := range s.anon {
		all = append(all, p)
	}
	sortBySince(all)
	if len(all) <= protectedInbound {
		return nil
	}
	return all[protectedInbound:]
}

// remove forgets p if it is still registered.
func (s *linkSet) remove(p *peerLink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(p)
}

func (s *linkSet) removeLocked(p *peerLink) {
	if _, ok := s.anon[p]; ok {
		delete(s.anon, p)
	} else if s.byNode[p.id] == p {
		delete(s.byNode, p.id)
	} else {
		return
	}
	if p.counted {
		p.counted = false
		s.inbound--
	}
}

func (s *linkSet) get(id identity.NodeID) *peerLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byNode[id]
}

func (s *linkSet) isStatic(id identity.NodeID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statics[id]
}

func (s *linkSet) addStatic(id identity.NodeID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statics[id] = true
}

// all lists every link, authenticated first in no particular order.
func (s *linkSet) all() []*peerLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*peerLink, 0, len(s.byNode)+len(s.anon))
	for _, p := range s.byNode {
		out = append(out, p)
	}
	for p := range s.anon {
		out = append(out, p)
	}
	return out
}

// outbound counts outbound links to non-static peers.
func (s *linkSet) outbound() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.byNode {
		if p.outbound && !p.static {
			n++
		}
	}
	return n
}

// close marks the set closed and returns every link for the caller to close.
func (s *linkSet) close() []*peerLink {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.all()
}
