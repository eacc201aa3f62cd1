package circmgr

import (
	"context"
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// pickPath chooses guard → middle → dest, three distinct relays.
func (m *Manager) pickPath(dest Relay) ([]Relay, error) {
	relays := m.cfg.Dir.Relays()
	guard, ok := m.guardFor(relays, dest.NodeID)
	if !ok {
		return nil, ErrNoRelays
	}
	middle, ok := m.pickMiddle(relays, guard.NodeID, dest.NodeID)
	if !ok {
		return nil, ErrNoRelays
	}
	return []Relay{guard, middle, dest}, nil
}

// guardFor returns the first usable guard that is not avoid, choosing
// new guards when fewer than NumGuards are usable.
func (m *Manager) guardFor(relays []Relay, avoid identity.NodeID) (Relay, bool) {
	byID := make(map[identity.NodeID]Relay, len(relays))
	for _, r := range relays {
		byID[r.NodeID] = r
	}
	m.mu.Lock()
	changed := m.topUpGuardsLocked(relays, byID)
	guards := slices.Clone(m.guards)
	m.mu.Unlock()
	if changed {
		m.saveGuards(guards)
	}
	for _, id := range guards {
		if r, ok := byID[id]; ok && id != avoid {
			return r, true
		}
	}
	return Relay{}, false
}

// topUpGuardsLocked adds random relays as guards until NumGuards of the
// guards are in the directory. Guards missing from it are kept (they may
// come back) but do not count.
func (m *Manager) topUpGuardsLocked(relays []Relay, byID map[identity.NodeID]Relay) bool {
	usable := 0
	for _, id := range m.guards {
		if _, ok := byID[id]; ok {
			usable++
		}
	}
	changed := false
	for _, i := range m.rng.Perm(len(relays)) {
		if usable >= m.cfg.NumGuards {
			break
		}
		if id := relays[i].NodeID; !slices.Contains(m.guards, id) {
			m.guards = append(m.guards, id)
			usable++
			changed = true
		}
	}
	// Keep at most MaxGuards: drop the oldest guards the directory no
	// longer lists (usable ones are never dropped here).
	for i := 0; len(m.guards) > MaxGuards && i < len(m.guards); {
		if _, ok := byID[m.guards[i]]; !ok {
			m.guards = slices.Delete(m.guards, i, i+1)
			changed = true
			continue
		}
		i++
	}
	return changed
}

// MaxGuards bounds the guard list, missing guards included.
const MaxGuards = 8

func (m *Manager) saveGuards(ids []identity.NodeID) {
	if m.cfg.Guards == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.Guards.SaveGuards(ctx, ids); err != nil {
		m.log.Warn("circmgr: saving guards", "err", err)
	}
}

// pickMiddle draws a relay that is neither of avoid.
func (m *Manager) pickMiddle(relays []Relay, avoid ...identity.NodeID) (Relay, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, i := range m.rng.Perm(len(relays)) {
		if !slices.Contains(avoid, relays[i].NodeID) {
			return relays[i], true
		}
	}
	return Relay{}, false
}

// Guards returns the current guard list, primary first.
func (m *Manager) Guards() []identity.NodeID {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.guards)
}
