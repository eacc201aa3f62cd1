package peers

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Manager keeps this node's links. Create with New, then Start; Close is
// idempotent. Safe for concurrent use.
type Manager struct {
	cfg   Config
	log   logger
	links *linkSet
	back  *backoffs

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	randMu sync.Mutex // guards cfg.Rand

	mu      sync.Mutex
	closed  bool // no goroutine starts once set
	dialing map[identity.NodeID]bool
	statics []*static
	wake    chan struct{}

	closeOnce sync.Once
}

// New checks cfg and makes a Manager; nothing runs until Start.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		cfg: cfg, log: logger{cfg.Logger}, ctx: ctx, cancel: cancel,
		links:   newLinkSet(cfg.Self, cfg.MaxInbound),
		back:    newBackoffs(cfg.BackoffMin, cfg.BackoffMax),
		dialing: make(map[identity.NodeID]bool),
		wake:    make(chan struct{}, 1),
	}
	for _, t := range cfg.Static {
		if t.NodeID == cfg.Self {
			continue
		}
		m.links.addStatic(t.NodeID)
		m.statics = append(m.statics, &static{m: m, t: t, state: "idle"})
	}
	return m, nil
}

// Start runs the outbound maintenance, the static dialers, the feelers and
// the persistence loop.
func (m *Manager) Start() {
	for _, s := range m.statics {
		m.goroutine(s.run)
	}
	m.goroutine(m.outboundLoop)
	m.goroutine(m.feelerLoop)
	if m.cfg.Persist != nil {
		m.goroutine(m.persistLoop)
	}
}

// goroutine starts fn unless the manager is closing; it reports whether
// fn was started.
func (m *Manager) goroutine(fn func(ctx context.Context)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn(m.ctx)
	}()
	return true
}

// Accept takes an inbound conn whose handshake has completed. The manager
// owns it from here (it may close it at once when the inbound cap is full).
func (m *Manager) Accept(c Conn) { m.add(c, false) }

// add registers an established conn and starts its reader and pinger. It
// reports whether the conn was kept.
func (m *Manager) add(c Conn, outbound bool) bool {
	info := c.Peer()
	p := &peerLink{c: c, id: info.NodeID, auth: info.Authenticated, outbound: outbound,
		since: m.cfg.Now(), closed: make(chan struct{}), pongs: make(chan uint64, 4)}
	p.lastRecv.Store(p.since.UnixNano())
	if p.auth && m.cfg.Book.Banned(p.id) {
		c.Close()
		return false
	}
	kept, drop := m.links.insert(p, m.pickVictim)
	for _, d := range drop {
		d.c.Close()
	}
	if !kept {
		c.Close()
		return false
	}
	if p.auth && m.cfg.Gossip != nil {
		p.gossip = m.cfg.Gossip.Attach(p.id, c)
	}
	m.log.linkUp(p)
	if !m.goroutine(func(context.Context) { m.readLoop(p) }) {
		c.Close()
		m.linkDown(p)
		return false
	}
	m.goroutine(func(ctx context.Context) { m.pingLoop(ctx, p) })
	if outbound {
		m.updateAnchors()
	}
	return true
}

// pickVictim chooses a random evictable inbound link (nil: none).
func (m *Manager) pickVictim(cands []*peerLink) *peerLink {
	if len(cands) == 0 {
		return nil
	}
	return cands[m.intN(len(cands))]
}

func (m *Manager) intN(n int) int {
	m.randMu.Lock()
	defer m.randMu.Unlock()
	return m.cfg.Rand.IntN(n)
}

func (m *Manager) jitter(d time.Duration) time.Duration {
	m.randMu.Lock()
	defer m.randMu.Unlock()
	return d/2 + time.Duration(m.cfg.Rand.Int64N(int64(d/2)+1))
}

// linkDown runs once per link when its reader ends.
func (m *Manager) linkDown(p *peerLink) {
	m.links.remove(p)
	if p.gossip != nil {
		p.gossip.Detach()
	}
	m.log.linkDown(p)
	if p.auth && p.outbound {
		if m.cfg.Now().Sub(p.since) >= linkStable {
			m.back.reset(p.id)
		} else {
			m.back.fail(p.id, m.cfg.Now(), m.jitter)
		}
		m.updateAnchors()
		m.kick()
	}
}

// kick wakes the outbound loop early.
func (m *Manager) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// updateAnchors remembers the longest-lived outbound peers as anchors.
func (m *Manager) updateAnchors() {
	var out []*peerLink
	for _, p := range m.links.all() {
		if p.auth && p.outbound {
			out = append(out, p)
		}
	}
	sortBySince(out)
	ids := make([]identity.NodeID, 0, numAnchors)
	for _, p := range out[:min(numAnchors, len(out))] {
		ids = append(ids, p.id)
	}
	m.cfg.Book.SetAnchors(ids)
}

func sortBySince(ps []*peerLink) {
	slices.SortFunc(ps, func(a, b *peerLink) int {
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
		return slices.Compare(a.id[:], b.id[:])
	})
}

// Linked reports whether a link to id is up.
func (m *Manager) Linked(id identity.NodeID) bool { return m.links.get(id) != nil }

// Ban drops id from the address book until the given time and closes any
// link to it; until then no link to or from it is kept, static and
// bootstrap peers included.
func (m *Manager) Ban(id identity.NodeID, until time.Time) {
	m.cfg.Book.Ban(id, until)
	if p := m.links.get(id); p != nil {
		p.c.Close()
	}
}

// Close stops every loop, closes every link, waits for all goroutines and
// hands the book's last changes to Persist.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.mu.Unlock()
		m.cancel()
		for _, p := range m.links.close() {
			p.c.Close()
		}
		m.wg.Wait()
		if m.cfg.Persist != nil {
			m.persist()
		}
	})
}
