package circnet

import (
	"context"
	"testing"
	"time"
)

// TestMeasure runs the Warren side of `warren bench circuits` small.
func TestMeasure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Measure(ctx, BenchConfig{Bytes: 4 << 20, Builds: 20, Transfers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Builds) != 20 || r.BuildMedian <= 0 || r.MBps <= 0 || r.Elapsed <= 0 || len(r.Transfers) != 3 {
		t.Fatalf("result: %+v", r)
	}
	t.Logf("warren 3-hop over loopback TCP: %.1f MB/s (4 MiB), build median %s", r.MBps, r.BuildMedian)
}

// BenchmarkBulk3Hop is Measure's bulk transfer as a Go benchmark: MB/s
// through a 3-hop circuit over loopback TCP to the discard service.
func BenchmarkBulk3Hop(b *testing.B) {
	for b.Loop() {
		r, err := Measure(context.Background(), BenchConfig{Bytes: 64 << 20, Builds: 20})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.MBps, "MB/s")
		b.ReportMetric(float64(r.BuildMedian.Microseconds()), "build-µs")
	}
}
