package link

import (
	"container/list"
	"context"
	"net"
	"net/netip"
	"sync"
	"time"
)

// admission bounds the handshakes a Listener runs: globally, per source
// and by rate per source. When the global cap is reached a newcomer may
// evict the oldest pending handshake of the source holding the most
// pending handshakes, if that source holds more than the newcomer's
// source; otherwise the newcomer is refused. So a flood from many sources
// cannot lock out a source that has nothing pending. Safe for concurrent
// use.
type admission struct {
	maxTotal, maxPerSource, maxSources int
	burst                              float64
	refill                             time.Duration
	keyOf                              func(net.Addr) string
	now                                func() time.Time

	mu      sync.Mutex
	pending list.List // of *pendingHS, oldest first
	sources map[string]*source
}

type source struct {
	pending int
	tokens  float64
	updated time.Time
}

// pendingHS is one admitted, unfinished handshake.
type pendingHS struct {
	key     string // "" means no per-source accounting
	cancel  context.CancelFunc
	el      *list.Element
	evicted bool
}

type verdict int

const (
	admitted verdict = iota
	refusedSource
	refusedRate
	refusedFull
)

// admit decides on a new conn from addr whose handshake cancel aborts. On
// success it returns the pending record and, if one was evicted, the
// victim's cancel func to call outside the lock.
func (a *admission) admit(addr net.Addr, cancel context.CancelFunc) (*pendingHS, context.CancelFunc, verdict) {
	key := a.keyOf(addr)
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var s *source
	have := 0
	if key != "" {
		s = a.sourceLocked(key, now)
		if s.pending >= a.maxPerSource {
			return nil, nil, refusedSource
		}
		a.refillLocked(s, now)
		if s.tokens < 1 {
			return nil, nil, refusedRate
		}
		have = s.pending
	}
	var victim context.CancelFunc
	if a.pending.Len() >= a.maxTotal {
		if victim = a.evictLocked(have); victim == nil {
			return nil, nil, refusedFull
		}
	}
	if s != nil {
		s.tokens--
		s.pending++
	}
	h := &pendingHS{key: key, cancel: cancel}
	h.el = a.pending.PushBack(h)
	return h, victim, admitted
}

// evictLocked removes the oldest pending handshake of the largest source
// if that source holds more than have; it returns the victim's cancel.
func (a *admission) evictLocked(have int) context.CancelFunc {
	most := 0
	for e := a.pending.Front(); e != nil; e = e.Next() {
		most = max(most, a.countLocked(e.Value.(*pendingHS)))
	}
	if most <= have {
		return nil
	}
	for e := a.pending.Front(); e != nil; e = e.Next() {
		h := e.Value.(*pendingHS)
		if a.countLocked(h) == most {
			h.evicted = true
			a.removeLocked(h)
			return h.cancel
		}
	}
	return nil
}

func (a *admission) countLocked(h *pendingHS) int {
	if h.key == "" {
		return 1
	}
	return a.sources[h.key].pending
}

func (a *admission) removeLocked(h *pendingHS) {
	a.pending.Remove(h.el)
	if s := a.sources[h.key]; s != nil {
		s.pending--
	}
}

// done releases h's slot unless it was evicted (and so released already).
func (a *admission) done(h *pendingHS) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !h.evicted {
		a.removeLocked(h)
	}
}

func (a *admission) sourceLocked(key string, now time.Time) *source {
	if s, ok := a.sources[key]; ok {
		return s
	}
	if len(a.sources) >= a.maxSources {
		a.sweepLocked(now)
	}
	s := &source{tokens: a.burst, updated: now}
	a.sources[key] = s
	return s
}

// sweepLocked forgets idle sources: first those whose bucket refilled
// (forgetting them loses nothing), then, if still over 3/4 of the cap, any
// idle one (a source can then start again with a full bucket).
func (a *admission) sweepLocked(now time.Time) {
	target := a.maxSources * 3 / 4
	for k, s := range a.sources {
		if s.pending == 0 && now.Sub(s.updated) >= time.Duration((a.burst-s.tokens)*float64(a.refill)) {
			delete(a.sources, k)
		}
	}
	for k, s := range a.sources {
		if len(a.sources) <= target {
			return
		}
		if s.pending == 0 {
			delete(a.sources, k)
		}
	}
}

func (a *admission) refillLocked(s *source, now time.Time) {
	if d := now.Sub(s.updated); d > 0 {
		s.tokens = min(a.burst, s.tokens+float64(d)/float64(a.refill))
	}
	s.updated = now
}

// ipSource is the default source key: the IP address for IPv4, the /64
// for IPv6 (one host usually holds a whole /64); "" for non-IP addresses,
// which disables per-source limits for them.
func ipSource(addr net.Addr) string {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip = a.AddrPort().Addr()
	default:
		ap, err := netip.ParseAddrPort(addr.String())
		if err != nil {
			return ""
		}
		ip = ap.Addr()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
