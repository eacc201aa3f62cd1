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
	// The first guard reachable lately; if none is, the first at all.
	var first *Relay
	for _, id := range guards {
		r, ok := byID[id]
		if !ok || id == avoid {
			continue
		}
		if !m.guardUnreachable(id) {
			return r, true
		}
		if first == nil {
			first = &r
		}
	}
	if first != nil {
		return *first, true
	}
	return Relay{}, false
}

func (m *Manager) guardUnreachable(id identity.NodeID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.unreachable[id]
	return ok && time.Now().Before(until)
}

// markGuard records whether dialling guard id worked.
func (m *Manager) markGuard(id identity.NodeID, ok bool) {
	if !ok {
		m.markRelay(id)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.unreachable, id)
}

// markRelay records that relay id could not be reached: for GuardRetry,
// guards and middles are chosen among the others when there are others.
func (m *Manager) markRelay(id identity.NodeID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.unreachable == nil {
		m.unreachable = map[identity.NodeID]time.Time{}
	}
	if len(m.unreachable) >= maxUnreachable {
		for k, until := range m.unreachable {
			if !now.Before(until) {
				delete(m.unreachable, k)
			}
		}
	}
	if len(m.unreachable) < maxUnreachable {
		m.unreachable[id] = now.Add(GuardRetry)
	}
}

// maxUnreachable bounds the relays remembered as unreachable.
const maxUnreachable = 1024

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
// pickMiddle picks a random relay not in avoid, preferring those that
// were not found unreachable lately.
func (m *Manager) pickMiddle(relays []Relay, avoid ...identity.NodeID) (Relay, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var fallback *Relay
	now := time.Now()
	for _, i := range m.rng.Perm(len(relays)) {
		r := relays[i]
		if slices.Contains(avoid, r.NodeID) {
			continue
		}
		if until, bad := m.unreachable[r.NodeID]; !bad || !now.Before(until) {
			return r, true
		}
		if fallback == nil {
			fallback = &r
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return Relay{}, false
}

// Guards returns the current guard list, primary first.
func (m *Manager) Guards() []identity.NodeID {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.guards)
}
