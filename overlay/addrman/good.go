package addrman

import (
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// seenInterval: Connected updates LastSeen only when it is older than this,
// so a chatty link does not make the entry dirty on every call.
const seenInterval = int64(20 * time.Minute)

// collision is a pending test-before-evict: newcomer id succeeded but its
// tried slot is held by another entry.
type collision struct {
	id    identity.NodeID // the newcomer, in the new table
	old   identity.NodeID // the occupant under test
	at    int64           // when old's test began
	tried int64           // old's first Attempt since at, as first seen by ResolveCollisions
}

// Attempt records that a dial to id started (or failed): attempts + 1 and
// LastTry = now. Call it for every outbound dial; Good resets the count.
func (b *Book) Attempt(id identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.byID[id]; e != nil {
		e.attempts = min(e.attempts+1, 1<<30)
		e.lastTry = b.nowNanos()
		b.markLocked(e)
	}
}

// Connected records that a link to id is up (LastSeen, kept to within 20
// minutes). Unlike Good it moves nothing: call it for inbound links too.
func (b *Book) Connected(id identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.byID[id]
	if now := b.nowNanos(); e != nil && now-e.lastSeen >= seenInterval {
		e.lastSeen = now
		b.markLocked(e)
	}
}

// Good records a successful OUTBOUND link to id (handshake done, so the
// node proved its key): LastSuccess = LastTry = LastSeen = now, attempts
// reset, and the entry moves from new to tried. If its tried slot holds
// another entry, nothing is evicted: the pair becomes a pending collision
// (at most MaxCollisions; beyond that the newcomer just stays in new) for
// Collision and ResolveCollisions. Do not call Good for inbound links: an
// attacker could then choose who enters tried.
func (b *Book) Good(id identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.byID[id]
	if e == nil {
		return
	}
	now := b.nowNanos()
	e.lastSuccess, e.lastTry, e.lastSeen, e.attempts = now, now, now, 0
	b.markLocked(e)
	if e.tried {
		return
	}
	pos := b.triedPos(id)
	if b.triedT.slots[pos] == nil {
		b.moveToTriedLocked(e, pos)
		return
	}
	b.addCollisionLocked(id, b.triedT.slots[pos].id, now)
}

func (b *Book) moveToTriedLocked(e *entry, pos int) {
	b.detachLocked(e)
	b.placeTriedLocked(e, pos)
}

func (b *Book) addCollisionLocked(id, old identity.NodeID, now int64) {
	if len(b.collisions) >= MaxCollisions {
		return
	}
	if slices.ContainsFunc(b.collisions, func(c collision) bool { return c.id == id }) {
		return
	}
	b.collisions = append(b.collisions, collision{id: id, old: old, at: now})
}

// Collision returns the tried occupant of a random pending collision: the
// caller should dial it (Attempt, then Good on success) and later call
// ResolveCollisions. ok is false when nothing is pending.
func (b *Book) Collision() (identity.NodeID, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pruneCollisionsLocked()
	n := len(b.collisions)
	if n == 0 {
		return identity.NodeID{}, false
	}
	start := b.rand.IntN(n)
	for i := range n {
		c := b.collisions[(start+i)%n]
		if occ := b.triedT.slots[b.triedPos(c.id)]; occ != nil {
			return occ.id, true
		}
	}
	return identity.NodeID{}, false
}

// pruneCollisionsLocked drops collisions whose newcomer is gone or tried.
func (b *Book) pruneCollisionsLocked() {
	b.collisions = slices.DeleteFunc(b.collisions, func(c collision) bool {
		e := b.byID[c.id]
		return e == nil || e.tried
	})
}

// ResolveCollisions settles pending collisions. For each, with old the
// tried occupant and new the newcomer:
//   - the slot is free now: new moves in;
//   - old succeeded (Good) since the collision: old stays, new stays in
//     the new table;
//   - old was attempted since the collision and has not succeeded within
//     DialGrace of the first such attempt ResolveCollisions saw, or the
//     collision is older than TestWindow: old goes back to the new table
//     under its source (dropped if that slot holds an entry that is not
//     terrible) and new takes the slot;
//   - otherwise the collision stays pending.
//
// Call it after each test dial and periodically: the first attempt is
// noted when ResolveCollisions sees it, so retrying the occupant does not
// postpone the verdict.
func (b *Book) ResolveCollisions() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pruneCollisionsLocked()
	now := b.nowNanos()
	kept := b.collisions[:0]
	for _, c := range b.collisions {
		if !b.resolveLocked(&c, now) {
			kept = append(kept, c)
		}
	}
	clear(b.collisions[len(kept):])
	b.collisions = kept
}

// resolveLocked applies ResolveCollisions' rules to c and reports whether
// c is settled.
func (b *Book) resolveLocked(c *collision, now int64) bool {
	e := b.byID[c.id]
	pos := b.triedPos(c.id)
	old := b.triedT.slots[pos]
	switch {
	case old == nil:
		b.moveToTriedLocked(e, pos)
	case old.id != c.old:
		// Another newcomer took the slot meanwhile: test the new occupant.
		c.old, c.at, c.tried = old.id, now, 0
		return false
	case old.lastSuccess >= c.at:
		// old proved itself; the newcomer stays in new.
	case failed(c, old, now), now-c.at >= int64(TestWindow):
		b.swapLocked(old, e, pos, now)
	default:
		return false
	}
	return true
}

// failed reports whether old, which has not succeeded since c.at,
// was attempted since then at least DialGrace ago.
func failed(c *collision, old *entry, now int64) bool {
	if c.tried == 0 && old.lastTry >= c.at {
		c.tried = old.lastTry
	}
	return c.tried != 0 && now-c.tried >= int64(DialGrace)
}

// swapLocked puts newcomer e into old's tried slot pos and moves old back
// to the new table under its source, or drops it if that slot holds an
// entry that is not terrible.
func (b *Book) swapLocked(old, e *entry, pos int, now int64) {
	b.detachLocked(old)
	b.moveToTriedLocked(e, pos)
	npos := b.newPos(old.source, old.id)
	if occ := b.newT.slots[npos]; occ != nil {
		if !terrible(occ, now) {
			b.forgetLocked(old)
			return
		}
		b.removeLocked(occ)
	}
	b.placeNewLocked(old, npos)
	b.markLocked(old)
}
