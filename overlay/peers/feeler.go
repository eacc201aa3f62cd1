package peers

import "context"

// feelerLoop probes, every FeelerInterval (jittered): first a tried-table
// collision's old occupant (test before evict), else one new-table entry,
// which a successful probe promotes to tried. A probe link is closed at
// once; it never counts towards the outbound target.
func (m *Manager) feelerLoop(ctx context.Context) {
	for sleep(ctx, m.jitter(2*m.cfg.FeelerInterval)) {
		m.feel(ctx)
		m.cfg.Book.ResolveCollisions()
	}
}

func (m *Manager) feel(ctx context.Context) {
	if id, ok := m.cfg.Book.Collision(); ok {
		if m.links.get(id) != nil {
			m.cfg.Book.Good(id)
			return
		}
		if info, ok := m.cfg.Book.Get(id); ok && info.Record != nil {
			m.probe(ctx, TargetOf(info.Record))
		}
		return
	}
	if rec, ok := m.cfg.Book.Select(true, m.excluded); ok {
		m.probe(ctx, TargetOf(rec))
	}
}

// probe dials t and closes the link again; success marks t good.
func (m *Manager) probe(ctx context.Context, t Target) {
	c, err := m.dial(ctx, t, true)
	if err != nil {
		return
	}
	c.Close()
	m.cfg.Book.Good(t.NodeID)
}

// persistLoop hands the book's changes to Persist every PersistInterval.
func (m *Manager) persistLoop(ctx context.Context) {
	for sleep(ctx, m.cfg.PersistInterval) {
		m.persist()
	}
}

func (m *Manager) persist() {
	up, gone := m.cfg.Book.TakeChanges()
	if len(up) == 0 && len(gone) == 0 {
		return
	}
	if err := m.cfg.Persist(up, gone); err != nil {
		m.log.l.Error("saving the address book failed", "err", err)
	}
}
