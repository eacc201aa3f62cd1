package addrman

import (
	"github.com/warrennet/warren/overlay/record"
)

// Load returns a Book for cfg holding the saved entries (see Restore for
// what is kept). It fails only as New does.
func Load(cfg Config, entries []Info) (*Book, error) {
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	b.Restore(entries)
	return b, nil
}

// Restore adds saved entries (rows of an earlier TakeChanges or List) to
// the book and returns how many it placed. It decodes each Raw with
// record.Unmarshal (Info.Record is ignored) but does not check signatures:
// the rows come from this node's own database, and each record was
// verified before it was first added. Tried entries are placed first, in
// the tried table, or in the new table if their tried slot is taken; the
// others go to the new table under their stored Source. Restore never
// evicts: an entry whose slot is taken is dropped, as is one that does not
// decode, names another node than NodeID, is this node, is banned, has
// expired or is already in the book. Dropped entries are reported as
// removed by the next TakeChanges, so the caller deletes their rows.
// Anchor flags are restored (at most MaxAnchors, in entry order). Entries
// saved under another Key or other sizes land elsewhere, and those that
// collide are dropped.
func (b *Book) Restore(entries []Info) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowNanos()
	n := 0
	for _, tried := range []bool{true, false} {
		for i := range entries {
			if in := &entries[i]; in.Tried == tried {
				if b.loadLocked(in, now) {
					n++
				} else {
					b.changed[in.NodeID] = struct{}{}
				}
			}
		}
	}
	return n
}

func (b *Book) loadLocked(in *Info, now int64) bool {
	e := b.decodeLocked(in, now)
	if e == nil {
		return false
	}
	id := e.id
	if pos := b.triedPos(id); in.Tried && b.triedT.slots[pos] == nil {
		b.placeTriedLocked(e, pos)
	} else if pos := b.newPos(e.source, id); b.newT.slots[pos] == nil {
		b.placeNewLocked(e, pos)
	} else {
		return false
	}
	b.byID[id] = e
	switch {
	case in.Anchor && len(b.anchors) < MaxAnchors:
		e.anchor = true
		b.anchors = append(b.anchors, id)
	case in.Anchor:
		b.markLocked(e) // the stored row's flag is wrong now
	}
	return true
}

// decodeLocked turns in into an unplaced entry, or nil if it must be
// dropped.
func (b *Book) decodeLocked(in *Info, now int64) *entry {
	if len(in.Raw) > record.MaxSize {
		return nil
	}
	rec, err := record.Unmarshal(in.Raw)
	switch id := in.NodeID; {
	case err != nil, rec.NodeID != id, id == b.self, b.byID[id] != nil,
		b.bans.banned(id, now), expiredAt(rec.ExpiresAt, now):
		return nil
	}
	return &entry{
		id: in.NodeID, raw: append([]byte(nil), in.Raw...), issued: rec.IssuedAt, expires: rec.ExpiresAt,
		source: in.Source,
		stored: true, attempts: int32(min(max(in.Attempts, 0), 1<<30)),
		lastTry: timeNanos(in.LastTry), lastSuccess: timeNanos(in.LastSuccess),
		lastSeen: timeNanos(in.LastSeen), added: timeNanos(in.Added),
	}
}
