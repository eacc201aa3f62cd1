package addrman

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

// benchRecords signs n records (cached across benchmarks).
func benchRecords(b *testing.B, n int) {
	b.Helper()
	rec(b, n-1)
}

// BenchmarkBookMemory reports the heap a Book holds per 1,000 entries,
// beyond its empty tables (reported as table-bytes).
func BenchmarkBookMemory(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run("entries="+strconv.Itoa(n), func(b *testing.B) {
			benchRecords(b, n)
			var perK, table float64
			b.ReportAllocs()
			for b.Loop() {
				base := heapInUse()
				book := newBook(b, testConfig(newClock(), 1))
				empty := heapInUse()
				held := fill(b, book, n)
				full := heapInUse()
				perK = float64(full-empty) / float64(held) * 1000
				table = float64(empty - base)
				runtime.KeepAlive(book)
			}
			b.ReportMetric(perK, "bytes/1000entries")
			b.ReportMetric(table, "table-bytes")
		})
	}
}

// fill adds nodes 0..n-1, each self-announced, and returns how many the
// book holds.
func fill(b *testing.B, book *Book, n int) int {
	for i := range n {
		r, raw := rec(b, i)
		book.Add(r, raw, r.NodeID)
	}
	nw, tr := book.Len()
	return nw + tr
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkAdd adds a new node to a book that holds up to 10,000.
func BenchmarkAdd(b *testing.B) {
	const n = 10_000
	benchRecords(b, n)
	book := newBook(b, testConfig(newClock(), 1))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == n {
			b.StopTimer()
			book = newBook(b, testConfig(newClock(), 1))
			i = 0
			b.StartTimer()
		}
		r, raw := rec(b, i)
		book.Add(r, raw, r.NodeID)
		i++
	}
}

// BenchmarkSelect picks from a book of 10,000 nodes, a quarter tried.
func BenchmarkSelect(b *testing.B) {
	const n = 10_000
	benchRecords(b, n)
	book := newBook(b, testConfig(newClock(), 1))
	fill(b, book, n)
	for i := 0; i < n; i += 4 {
		book.Good(nodeID(i))
	}
	exclude := func(identity.NodeID) bool { return false }
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := book.Select(false, exclude); !ok {
			b.Fatal("nothing selected")
		}
	}
}
