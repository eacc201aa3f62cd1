package addrman

import (
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// banList is a bounded set of bans in insertion order.
type banList struct {
	until map[identity.NodeID]int64
	order []identity.NodeID // oldest first
}

func newBanList() banList {
	return banList{until: make(map[identity.NodeID]int64)}
}

func (l *banList) banned(id identity.NodeID, now int64) bool {
	u, ok := l.until[id]
	return ok && now < u
}

// add bans id until u, keeping at most MaxBans: expired bans go first,
// then the oldest. A renewed ban keeps its place in the order.
func (l *banList) add(id identity.NodeID, u, now int64) {
	if _, ok := l.until[id]; ok {
		l.until[id] = u
		return
	}
	if len(l.order) >= MaxBans {
		l.prune(now)
	}
	if len(l.order) >= MaxBans {
		delete(l.until, l.order[0])
		l.order = slices.Delete(l.order, 0, 1)
	}
	l.until[id] = u
	l.order = append(l.order, id)
}

func (l *banList) remove(id identity.NodeID) {
	if _, ok := l.until[id]; ok {
		delete(l.until, id)
		l.order = slices.DeleteFunc(l.order, func(x identity.NodeID) bool { return x == id })
	}
}

// prune drops expired bans.
func (l *banList) prune(now int64) {
	l.order = slices.DeleteFunc(l.order, func(id identity.NodeID) bool {
		if now < l.until[id] {
			return false
		}
		delete(l.until, id)
		return true
	})
}

// Ban removes node id from the book and refuses to add it (AddBanned)
// until the given time. The ban list holds at most MaxBans nodes and is not
// persisted. A time not after now only removes the entry.
func (b *Book) Ban(id identity.NodeID, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.byID[id]; e != nil {
		b.removeLocked(e)
	}
	if now, u := b.nowNanos(), until.UnixNano(); u > now {
		b.bans.add(id, u, now)
	}
}

// Unban lifts a ban on id, if any.
func (b *Book) Unban(id identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bans.remove(id)
}

// Banned reports whether id is banned now.
func (b *Book) Banned(id identity.NodeID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bans.banned(id, b.nowNanos())
}
