package messenger

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDeliver: user a sends b.N texts to user b (8 concurrent
// Sends) through a mailbox on the in-memory circuit double with real
// SQLite stores; it reports messages per second received and the
// latency from Send to b's inbox. The loopback-TCP figures with real
// circuits come from `warren bench messages`.
func BenchmarkDeliver(b *testing.B) {
	w := newWorld(b, 1)
	ua, ub := w.user("alice"), w.user("bob")
	connect(b, ua, ub)
	ch, cancel, _ := ub.m.Subscribe()
	defer cancel()
	var lat []time.Duration
	var mu sync.Mutex
	got := make(chan struct{})
	go func() {
		for e := range ch {
			if e.Kind == "message" {
				mu.Lock()
				lat = append(lat, time.Since(e.Sent))
				if len(lat) == b.N {
					close(got)
				}
				mu.Unlock()
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for int(next.Add(1)) <= b.N {
				if _, err := ua.m.Send(context.Background(), "bob", fmt.Appendf(nil, "bench %d", next.Load())); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-got:
	case <-time.After(2 * time.Minute):
		b.Fatal("not everything arrived")
	}
	elapsed := time.Since(start)
	b.StopTimer()
	mu.Lock()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	mu.Unlock()
}
