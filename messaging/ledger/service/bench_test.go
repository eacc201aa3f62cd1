package service

import (
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// benchOrders pre-signs one order per genesis coin.
func benchOrders(b *testing.B, n int) (*harness, [][]byte) {
	h := newHarness(b, 4, ownerGenesis(b, n))
	orders := make([][]byte, n)
	for i := range orders {
		orders[i] = order(b, h.genesis, i, 0)
	}
	return h, orders
}

// BenchmarkPaymentsParallel: payments finalised per second (SUBMIT,
// certificate assembled and verified, CERT applied at a quorum) with 4
// validators in one process over in-memory circuits.
func BenchmarkPaymentsParallel(b *testing.B) {
	h, orders := benchOrders(b, b.N)
	c := h.client(1)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := h.pay(ctx, c, orders[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
}

// BenchmarkTimeToFinality: one payment at a time, submit to certificate
// applied at a quorum; reports the median and p99.
func BenchmarkTimeToFinality(b *testing.B) {
	h, orders := benchOrders(b, b.N)
	c := h.client(1)
	lat := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if _, err := h.pay(ctx, c, orders[i]); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
