package addrman

import (
	"slices"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// selectTries bounds Select's random probes before its linear fallback.
// After n probes that found a candidate the acceptance factor is 1.2^n, so
// by about 45 any candidate is taken.
const selectTries = 64

// Select picks a node to dial and returns a copy of its record. With
// newOnly it picks from the new table only; otherwise it picks the new or
// the tried table with equal odds (when both have entries). Inside a table
// it picks a random non-empty bucket, a random slot in it, and takes the
// first usable entry from there on with probability chance × 1.2^probes,
// where chance falls after recent and repeated failures (Bitcoin Core's
// Select and GetChance). Expired entries and those for which exclude
// (which may be nil) returns true are never returned; banned nodes are not
// in the book. After selectTries probes it scans both tables in order and
// picks among the usable entries weighted by chance, so it always
// terminates; ok is false when no entry is usable.
//
// exclude runs with the Book's mutex held and must not call the Book.
func (b *Book) Select(newOnly bool, exclude func(identity.NodeID) bool) (*record.Record, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowNanos()
	usable := func(e *entry) bool {
		return !expired(e, now) && (exclude == nil || !exclude(e.id))
	}
	e := b.probeLocked(newOnly, usable, now)
	if e == nil {
		e = b.fallbackLocked(newOnly, usable, now)
	}
	if e == nil {
		return nil, false
	}
	return e.record(), true
}

// probeLocked is Bitcoin Core's random search, bounded.
func (b *Book) probeLocked(newOnly bool, usable func(*entry) bool, now int64) *entry {
	if b.newT.n == 0 && (newOnly || b.triedT.n == 0) {
		return nil
	}
	t := &b.newT
	if !newOnly && b.triedT.n > 0 && (b.newT.n == 0 || b.rand.IntN(2) == 0) {
		t = &b.triedT
	}
	b.scratchB = t.nonEmpty(b.scratchB[:0])
	factor := 1.0
	for range selectTries {
		bucket := int(b.scratchB[b.rand.IntN(len(b.scratchB))])
		e := firstUsable(t, bucket, b.rand.IntN(t.size), usable)
		if e == nil {
			continue
		}
		if b.rand.Float64() < factor*chance(e, now) {
			return e
		}
		factor *= 1.2
	}
	return nil
}

// firstUsable returns the first usable entry of bucket, starting at slot
// start and wrapping around.
func firstUsable(t *table, bucket, start int, usable func(*entry) bool) *entry {
	base := bucket * t.size
	for i := range t.size {
		if e := t.slots[base+(start+i)%t.size]; e != nil && usable(e) {
			return e
		}
	}
	return nil
}

// fallbackLocked scans the tables in slot order and picks one usable entry
// at random, weighted by chance.
func (b *Book) fallbackLocked(newOnly bool, usable func(*entry) bool, now int64) *entry {
	cands := b.collectLocked(newOnly, usable)
	defer clear(cands)
	total := 0.0
	for _, e := range cands {
		total += chance(e, now)
	}
	if len(cands) == 0 {
		return nil
	}
	r := b.rand.Float64() * total
	for _, e := range cands {
		if r -= chance(e, now); r < 0 {
			return e
		}
	}
	return cands[len(cands)-1]
}

// collectLocked gathers the entries keep accepts, tried table first, into
// b.scratchE. The caller clears the result when done with it.
func (b *Book) collectLocked(newOnly bool, keep func(*entry) bool) []*entry {
	cands := b.scratchE[:0]
	add := func(e *entry) bool {
		if keep(e) {
			cands = append(cands, e)
		}
		return true
	}
	if !newOnly {
		b.triedT.each(add)
	}
	b.newT.each(add)
	b.scratchE = cands
	return cands
}

// Sample returns the raw records of up to n entries chosen uniformly at
// random among those that are not terrible (so never expired; banned
// nodes are not in the book), for answering a peer's request. Answering
// the same peer from a cache, and how often, is the caller's job.
func (b *Book) Sample(n int) [][]byte {
	if n <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowNanos()
	cands := b.collectLocked(false, func(e *entry) bool { return !terrible(e, now) })
	defer clear(cands)
	n = min(n, len(cands))
	out := make([][]byte, n)
	for i := range n {
		j := i + b.rand.IntN(len(cands)-i)
		cands[i], cands[j] = cands[j], cands[i]
		out[i] = slices.Clone(cands[i].raw)
	}
	return out
}
