package addrman

// table is one of the two tables: buckets of slots, flattened, with a count
// per bucket so Select can pick among non-empty buckets.
type table struct {
	slots   []*entry
	counts  []uint16 // entries per bucket
	buckets int
	size    int // slots per bucket
	n       int // entries
}

func newTable(buckets, size int) table {
	return table{
		slots:   make([]*entry, buckets*size),
		counts:  make([]uint16, buckets),
		buckets: buckets,
		size:    size,
	}
}

// put places e at pos, which must be free.
func (t *table) put(e *entry, pos int) {
	t.slots[pos] = e
	t.counts[pos/t.size]++
	t.n++
	e.pos = int32(pos)
}

// take empties e's slot.
func (t *table) take(e *entry) {
	pos := int(e.pos)
	t.slots[pos] = nil
	t.counts[pos/t.size]--
	t.n--
}

// nonEmpty appends the indices of buckets holding an entry to dst.
func (t *table) nonEmpty(dst []int32) []int32 {
	for i, c := range t.counts {
		if c != 0 {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// each calls fn for every entry in slot order until fn returns false.
func (t *table) each(fn func(*entry) bool) {
	for _, e := range t.slots {
		if e != nil && !fn(e) {
			return
		}
	}
}
