package addrman

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// AddResult says what Add did.
type AddResult uint8

// Add results.
const (
	AddNew     AddResult = iota + 1 // a new entry in the new table
	AddUpdated                      // known node, later record: record replaced, place and stats kept
	AddStale                        // known node with a record issued at the same time or later, or an expired record
	AddNoRoom                       // the slot is held by an entry that is not terrible
	AddSelf                         // the record is this node's own
	AddBanned                       // the node is banned
	AddInvalid                      // nil or malformed record, or raw is not its encoding
)

var addResultNames = [...]string{"", "new", "updated", "stale", "no-room", "self", "banned", "invalid"}

func (r AddResult) String() string {
	if int(r) < len(addResultNames) && r != 0 {
		return addResultNames[r]
	}
	return "unknown"
}

// entry is one known node. Only the record's encoding is kept (decoded on
// the way out), which halves the memory per entry. Times are Unix
// nanoseconds, 0 meaning never.
type entry struct {
	id          identity.NodeID
	raw         []byte // the record's encoding; owned, never mutated, replaced whole
	issued      uint64 // the record's IssuedAt
	expires     uint64 // the record's ExpiresAt
	source      identity.NodeID
	pos         int32 // slot index in its table
	tried       bool
	anchor      bool
	stored      bool // the caller holds a row for it (loaded or taken)
	attempts    int32
	lastTry     int64
	lastSuccess int64
	lastSeen    int64
	added       int64
}

// Book is the address book. It is safe for concurrent use; the zero value
// is not usable (call New).
type Book struct {
	mu            sync.Mutex
	key           [32]byte
	self          identity.NodeID
	now           func() time.Time
	rand          *rand.Rand
	sourceBuckets int

	newT, triedT table
	byID         map[identity.NodeID]*entry
	perSource    map[identity.NodeID]int // new-table entries by source
	collisions   []collision
	bans         banList
	anchors      []identity.NodeID
	changed      map[identity.NodeID]struct{} // upsert if in byID, else removed

	scratchB []int32  // Select's non-empty buckets
	scratchE []*entry // Select's fallback and Sample's candidates
}

// New returns an empty Book. It fails with ErrConfig for a zero key or
// sizes out of range.
func New(cfg Config) (*Book, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Book{
		key:           cfg.Key,
		self:          cfg.Self,
		now:           cfg.Now,
		rand:          cfg.Rand,
		sourceBuckets: cfg.SourceBuckets,
		newT:          newTable(cfg.NewBuckets, cfg.BucketSize),
		triedT:        newTable(cfg.TriedBuckets, cfg.BucketSize),
		byID:          make(map[identity.NodeID]*entry),
		perSource:     make(map[identity.NodeID]int),
		bans:          newBanList(),
		changed:       make(map[identity.NodeID]struct{}),
	}, nil
}

// BucketCap is the most new-table entries one source can hold:
// SourceBuckets * BucketSize.
func (b *Book) BucketCap() int { return b.sourceBuckets * b.newT.size }

// MaxEntries is the most entries the Book can hold: one per slot of both
// tables.
func (b *Book) MaxEntries() int { return len(b.newT.slots) + len(b.triedT.slots) }

func (b *Book) nowNanos() int64 { return b.now().UnixNano() }

// Add records rec, received from source, which the caller has verified
// (record.Verify) and whose encoding is raw. Both are copied. A node is
// known by its NodeID: a later record (greater IssuedAt) replaces the
// stored one in place.
func (b *Book) Add(rec *record.Record, raw []byte, source identity.NodeID) AddResult {
	if !matches(rec, raw) {
		return AddInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowNanos()
	switch id := rec.NodeID; {
	case id == b.self:
		return AddSelf
	case b.bans.banned(id, now):
		return AddBanned
	case expiredAt(rec.ExpiresAt, now):
		return AddStale
	}
	if e := b.byID[rec.NodeID]; e != nil {
		if rec.IssuedAt <= e.issued {
			return AddStale
		}
		e.raw, e.issued, e.expires = slices.Clone(raw), rec.IssuedAt, rec.ExpiresAt
		b.markLocked(e)
		return AddUpdated
	}
	return b.insertLocked(rec, raw, source, now)
}

func (b *Book) insertLocked(rec *record.Record, raw []byte, source identity.NodeID, now int64) AddResult {
	pos := b.newPos(source, rec.NodeID)
	if occ := b.newT.slots[pos]; occ != nil {
		if !terrible(occ, now) {
			return AddNoRoom
		}
		b.removeLocked(occ)
	}
	e := &entry{
		id: rec.NodeID, raw: slices.Clone(raw), issued: rec.IssuedAt, expires: rec.ExpiresAt,
		source: source, added: now,
	}
	b.attachLocked(e)
	b.placeNewLocked(e, pos)
	b.markLocked(e)
	return AddNew
}

// attachLocked indexes e. If a removal of the same node is pending, the
// caller still holds its row, so e counts as stored.
func (b *Book) attachLocked(e *entry) {
	id := e.id
	_, pending := b.changed[id]
	e.stored = e.stored || pending
	b.byID[id] = e
}

func (b *Book) placeNewLocked(e *entry, pos int) {
	e.tried = false
	b.newT.put(e, pos)
	b.perSource[e.source]++
}

func (b *Book) placeTriedLocked(e *entry, pos int) {
	e.tried = true
	b.triedT.put(e, pos)
}

// detachLocked takes e out of its table (but not out of byID).
func (b *Book) detachLocked(e *entry) {
	if e.tried {
		b.triedT.take(e)
		return
	}
	b.newT.take(e)
	if b.perSource[e.source]--; b.perSource[e.source] == 0 {
		delete(b.perSource, e.source)
	}
}

// removeLocked takes e out of its table and forgets it.
func (b *Book) removeLocked(e *entry) {
	b.detachLocked(e)
	b.forgetLocked(e)
}

// forgetLocked drops a detached e from the index and anchors and records
// the removal if the caller holds a row for it.
func (b *Book) forgetLocked(e *entry) {
	id := e.id
	delete(b.byID, id)
	if e.anchor {
		b.anchors = slices.DeleteFunc(b.anchors, func(a identity.NodeID) bool { return a == id })
	}
	if e.stored {
		b.changed[id] = struct{}{}
	} else {
		delete(b.changed, id)
	}
}

// markLocked notes that e changed and must be saved.
func (b *Book) markLocked(e *entry) { b.changed[e.id] = struct{}{} }

// Remove forgets node id and reports whether it was known.
func (b *Book) Remove(id identity.NodeID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.byID[id]
	if e != nil {
		b.removeLocked(e)
	}
	return e != nil
}

// Len returns the number of entries in the new and the tried table.
func (b *Book) Len() (newCount, triedCount int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.newT.n, b.triedT.n
}

// SourceCount returns how many new-table entries came from source: the
// number BucketCap bounds. Entries that moved to tried keep their source
// but are not counted.
func (b *Book) SourceCount(source identity.NodeID) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.perSource[source]
}

// Expire removes every entry whose record has expired, and expired bans,
// and returns the number of entries removed.
func (b *Book) Expire() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowNanos()
	n := 0
	for _, t := range []*table{&b.triedT, &b.newT} {
		t.each(func(e *entry) bool {
			if expired(e, now) {
				b.removeLocked(e)
				n++
			}
			return true
		})
	}
	b.bans.prune(now)
	return n
}

// matches reports whether raw is the encoding of the well-formed rec.
func matches(rec *record.Record, raw []byte) bool {
	if rec == nil || len(raw) > record.MaxSize {
		return false
	}
	var buf [record.MaxSize]byte
	enc, err := rec.AppendBinary(buf[:0])
	return err == nil && bytes.Equal(enc, raw)
}

// record decodes e's record. The encoding was checked when it entered the
// book, so this does not fail.
func (e *entry) record() *record.Record {
	r, err := record.Unmarshal(e.raw)
	if err != nil {
		panic("addrman: stored record does not decode")
	}
	return r
}

// expiredAt mirrors record.Verify: a record is expired once now (Unix
// seconds) reaches ExpiresAt.
func expiredAt(expiresAt uint64, now int64) bool {
	s := now / int64(time.Second)
	if s < 0 {
		s = 0
	}
	return uint64(s) >= expiresAt
}

func expired(e *entry, now int64) bool { return expiredAt(e.expires, now) }
