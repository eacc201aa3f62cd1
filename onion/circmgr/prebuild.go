package circmgr

import (
	"context"
	"time"

	"github.com/warrennet/warren/onion/circuit"
)

// prebuildLoop keeps Prebuilt idle guard → middle circuits ready.
func (m *Manager) prebuildLoop() {
	t := time.NewTicker(m.cfg.Refill)
	defer t.Stop()
	for {
		m.refill()
		m.sweep(time.Now())
		select {
		case <-t.C:
		case <-m.kick:
		case <-m.done:
			m.closeIdle()
			return
		}
	}
}

func (m *Manager) refill() {
	m.mu.Lock()
	live := m.idle[:0]
	for _, c := range m.idle {
		if c.Alive() {
			live = append(live, c)
		}
	}
	m.idle = live
	need := m.cfg.Prebuilt - len(m.idle)
	m.mu.Unlock()
	for range need {
		c, err := m.buildStub()
		if err != nil {
			m.log.Debug("circmgr: pre-building", "err", err)
			return
		}
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			c.Close()
			return
		}
		m.idle = append(m.idle, c)
		m.mu.Unlock()
	}
}

// buildStub builds guard → middle.
func (m *Manager) buildStub() (*circuit.Circuit, error) {
	relays := m.cfg.Dir.Relays()
	guard, ok := m.guardFor(relays, [32]byte{})
	if !ok {
		return nil, ErrNoRelays
	}
	middle, ok := m.pickMiddle(relays, guard.NodeID)
	if !ok {
		return nil, ErrNoRelays
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-m.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return m.build(ctx, []Relay{guard, middle})
}

func (m *Manager) closeIdle() {
	m.mu.Lock()
	idle := m.idle
	m.idle = nil
	m.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// sweep closes assigned circuits that died, idled past MaxIdle or aged
// past MaxAge, and forgets them.
func (m *Manager) sweep(now time.Time) {
	var stale []*circuit.Circuit
	m.mu.Lock()
	if m.activity == nil {
		m.activity = map[*circuit.Circuit]activity{}
	}
	for k, c := range m.assigned {
		info := c.Info()
		cells := info.CellsSent + info.CellsRecv
		a, seen := m.activity[c]
		if !seen || a.cells != cells {
			a = activity{cells: cells, since: now}
			m.activity[c] = a
		}
		if !c.Alive() || info.Age > m.cfg.MaxAge || now.Sub(a.since) > m.cfg.MaxIdle {
			stale = append(stale, c)
			delete(m.assigned, k)
			delete(m.activity, c)
		}
	}
	m.mu.Unlock()
	for _, c := range stale {
		c.Close()
	}
}
