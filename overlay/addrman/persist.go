package addrman

import (
	"bytes"
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// MaxAnchors is how many anchors the Book keeps.
const MaxAnchors = 2

// Info is one entry as handed out by Get, List and TakeChanges and taken
// by Load and Restore. Zero times mean never.
type Info struct {
	NodeID      identity.NodeID
	Record      *record.Record // decoded Raw; Load and Restore ignore it
	Raw         []byte         // the record's encoding
	Tried       bool
	Anchor      bool
	Source      identity.NodeID // who told us; kept after the move to tried
	Attempts    int
	LastTry     time.Time
	LastSuccess time.Time
	LastSeen    time.Time
	Added       time.Time
}

func (e *entry) info() Info {
	return Info{
		NodeID: e.id, Record: e.record(), Raw: slices.Clone(e.raw),
		Tried: e.tried, Anchor: e.anchor, Source: e.source,
		Attempts: int(e.attempts), LastTry: nanosTime(e.lastTry),
		LastSuccess: nanosTime(e.lastSuccess), LastSeen: nanosTime(e.lastSeen),
		Added: nanosTime(e.added),
	}
}

func nanosTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func timeNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Get returns node id's entry.
func (b *Book) Get(id identity.NodeID) (Info, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.byID[id]; e != nil {
		return e.info(), true
	}
	return Info{}, false
}

// List returns every entry, tried table first, each in slot order.
func (b *Book) List() []Info {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Info, 0, b.newT.n+b.triedT.n)
	for _, t := range []*table{&b.triedT, &b.newT} {
		t.each(func(e *entry) bool {
			out = append(out, e.info())
			return true
		})
	}
	return out
}

// TakeChanges returns the entries added or changed since the last call
// (upserts) and the IDs of entries removed since then whose rows the
// caller holds (removed), both sorted by node ID, and forgets them. The
// caller saves both in one transaction. If saving fails, these changes are
// not offered again; the caller may save List() in full instead.
func (b *Book) TakeChanges() (upserts []Info, removed []identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]identity.NodeID, 0, len(b.changed))
	for id := range b.changed {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y identity.NodeID) int { return bytes.Compare(x[:], y[:]) })
	for _, id := range ids {
		if e := b.byID[id]; e != nil {
			e.stored = true
			upserts = append(upserts, e.info())
		} else {
			removed = append(removed, id)
		}
	}
	clear(b.changed)
	return upserts, removed
}

// SetAnchors makes the first MaxAnchors distinct nodes of ids that are in
// the book its anchors, replacing the previous ones; others are ignored.
// Anchors are saved through TakeChanges (Info.Anchor) and restored by Load and Restore.
func (b *Book) SetAnchors(ids []identity.NodeID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range b.anchors {
		e := b.byID[id]
		e.anchor = false
		b.markLocked(e)
	}
	b.anchors = b.anchors[:0]
	for _, id := range ids {
		if e := b.byID[id]; e != nil && !e.anchor && len(b.anchors) < MaxAnchors {
			e.anchor = true
			b.anchors = append(b.anchors, id)
			b.markLocked(e)
		}
	}
}

// Anchors returns the current anchors, in the order they were set (after
// Restore: in entry order). An anchor stops being one when its entry is
// removed.
func (b *Book) Anchors() []identity.NodeID {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.anchors)
}
