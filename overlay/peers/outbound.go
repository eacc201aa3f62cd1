package peers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// outboundLoop dials the anchors first, then keeps OutboundTarget outbound
// links, waking every Tick and whenever an outbound link goes down.
func (m *Manager) outboundLoop(ctx context.Context) {
	for _, id := range m.cfg.Book.Anchors() {
		if info, ok := m.cfg.Book.Get(id); ok && info.Record != nil {
			m.startDial(TargetOf(info.Record), true)
		}
	}
	t := time.NewTicker(m.cfg.Tick)
	defer t.Stop()
	rotate := time.NewTimer(m.jitter(2 * m.cfg.RotateInterval))
	defer rotate.Stop()
	for {
		m.fill()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.wake:
		case <-rotate.C:
			m.rotate()
			rotate.Reset(m.jitter(2 * m.cfg.RotateInterval))
		}
	}
}

// rotate closes one random outbound link that is neither static nor an
// anchor, when the outbound target is met.
func (m *Manager) rotate() {
	if m.links.outbound() < m.cfg.OutboundTarget {
		return
	}
	anchors := m.cfg.Book.Anchors()
	var cands []*peerLink
	for _, p := range m.links.all() {
		if p.auth && p.outbound && !p.static && !slices.Contains(anchors, p.id) {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return
	}
	sortBySince(cands)
	cands[m.intN(len(cands))].c.Close()
}

// fill starts dials until the outbound links and dials in flight reach
// the target, or no candidate is left.
func (m *Manager) fill() {
	for range m.cfg.MaxDialing {
		if m.links.outbound()+m.inFlight() >= m.cfg.OutboundTarget || m.inFlight() >= m.cfg.MaxDialing {
			return
		}
		t, fromBook, ok := m.pick()
		if !ok {
			return
		}
		m.startDial(t, fromBook)
	}
}

func (m *Manager) inFlight() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.dialing)
}

// excluded reports whether id must not be picked now. Book.Select calls
// it under the book's lock, so it must not call the book (Select never
// returns banned entries anyway).
func (m *Manager) excluded(id identity.NodeID) bool {
	if id == m.cfg.Self || m.links.get(id) != nil || m.back.waiting(id, m.cfg.Now()) {
		return true
	}
	if m.links.isStatic(id) {
		return true // its own dialer keeps it linked
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dialing[id]
}

// pick chooses the next node to dial: from the address book, else a
// bootstrap peer.
func (m *Manager) pick() (Target, bool, bool) {
	if rec, ok := m.cfg.Book.Select(false, m.excluded); ok {
		return TargetOf(rec), true, true
	}
	var cands []Target
	for _, t := range m.cfg.Bootstrap {
		if !m.excluded(t.NodeID) && !m.cfg.Book.Banned(t.NodeID) {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return Target{}, false, false
	}
	return cands[m.intN(len(cands))], false, true
}

// startDial dials t in its own goroutine, unless t is already being
// dialled or linked.
func (m *Manager) startDial(t Target, fromBook bool) {
	m.mu.Lock()
	if m.dialing[t.NodeID] || m.closed {
		m.mu.Unlock()
		return
	}
	m.dialing[t.NodeID] = true
	m.mu.Unlock()
	started := m.goroutine(func(ctx context.Context) {
		defer m.doneDialing(t.NodeID)
		if err := m.dialLink(ctx, t, fromBook); err != nil {
			m.log.debug("dial failed", "peer", t.NodeID.Short(), "err", err)
		}
	})
	if !started {
		m.doneDialing(t.NodeID)
	}
}

func (m *Manager) doneDialing(id identity.NodeID) {
	m.mu.Lock()
	delete(m.dialing, id)
	m.mu.Unlock()
}

// dialLink dials one outbound link and registers it.
func (m *Manager) dialLink(ctx context.Context, t Target, fromBook bool) error {
	c, err := m.dial(ctx, t, fromBook)
	if err != nil {
		return err
	}
	if !m.add(c, true) {
		return nil
	}
	if fromBook {
		m.cfg.Book.Good(t.NodeID)
	}
	return nil
}

// dial opens a conn to t, keeping the book's and the backoff's accounts.
func (m *Manager) dial(ctx context.Context, t Target, fromBook bool) (Conn, error) {
	if fromBook {
		m.cfg.Book.Attempt(t.NodeID)
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout)
	defer cancel()
	c, err := m.cfg.Dialer.Dial(ctx, t)
	if err == nil && c.Peer().NodeID != t.NodeID {
		c.Close()
		err = fmt.Errorf("peers: dialled node answered as another")
	}
	if err != nil {
		m.back.fail(t.NodeID, m.cfg.Now(), m.jitter)
		return nil, err
	}
	if fromBook {
		m.cfg.Book.Connected(t.NodeID)
	}
	return c, nil
}
