package circnet

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/onion/circuit"
)

// BenchConfig configures Measure.
type BenchConfig struct {
	Bytes     int64 // bulk size (64 MiB)
	Builds    int   // 3-hop builds to time (20, at least 20)
	Transfers int   // bulk transfers, each on a fresh circuit; the result is their median (1)
}

// BenchResult is what Measure saw.
type BenchResult struct {
	Bytes       int64
	Elapsed     time.Duration // first byte written to the last byte read by the service (median of Transfers)
	Transfers   []time.Duration
	MBps        float64
	Builds      []time.Duration
	BuildMedian time.Duration
}

// Measure starts three relays and a client on loopback TCP, times
// cfg.Builds 3-hop circuit builds (each over the client's existing link to
// its first hop, from the first CREATE to the last EXTENDED), then sends
// cfg.Bytes through a fresh 3-hop circuit to the last hop's "discard"
// service and times it until the service has read every byte.
func Measure(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	if cfg.Bytes <= 0 {
		cfg.Bytes = 64 << 20
	}
	cfg.Builds = max(cfg.Builds, 20)
	nw, err := New(3, Options{})
	if err != nil {
		return BenchResult{}, err
	}
	defer nw.Close()
	var got atomic.Int64
	var doneP atomic.Pointer[chan struct{}]
	nw.Relays[2].Services.Register("discard", func(s *circuit.Stream) {
		countingDiscard(&got, cfg.Bytes, *doneP.Load())(s)
	})
	c, err := nw.NewClient(nil)
	if err != nil {
		return BenchResult{}, err
	}
	defer c.Close()
	ch, err := c.Dial(ctx, 0)
	if err != nil {
		return BenchResult{}, err
	}
	res := BenchResult{Bytes: cfg.Bytes}
	if res.Builds, err = timeBuilds(ctx, c, ch, cfg.Builds); err != nil {
		return res, err
	}
	sorted := slices.Clone(res.Builds)
	slices.Sort(sorted)
	res.BuildMedian = sorted[len(sorted)/2]
	for range max(1, cfg.Transfers) {
		got.Store(0)
		done := make(chan struct{})
		doneP.Store(&done)
		el, err := bulk(ctx, c, ch, cfg.Bytes, done)
		if err != nil {
			return res, err
		}
		res.Transfers = append(res.Transfers, el)
	}
	sortedT := slices.Clone(res.Transfers)
	slices.Sort(sortedT)
	res.Elapsed = sortedT[len(sortedT)/2]
	res.MBps = float64(cfg.Bytes) / res.Elapsed.Seconds() / 1e6
	return res, nil
}

func countingDiscard(got *atomic.Int64, want int64, done chan struct{}) circuit.Service {
	return func(s *circuit.Stream) {
		buf := make([]byte, 64<<10)
		for {
			n, err := s.Read(buf)
			if got.Add(int64(n)) >= want && n > 0 {
				close(done)
			}
			if err != nil {
				return
			}
		}
	}
}

func timeBuilds(ctx context.Context, c *Client, ch *circuit.Channel, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		circ, err := c.Node.Build(ctx, ch, c.nw.Path(0, 1, 2), "bench")
		if err != nil {
			return out, fmt.Errorf("build %d: %w", i+1, err)
		}
		out = append(out, time.Since(start))
		circ.Close()
	}
	return out, nil
}

func bulk(ctx context.Context, c *Client, ch *circuit.Channel, size int64, done <-chan struct{}) (time.Duration, error) {
	circ, err := c.Node.Build(ctx, ch, c.nw.Path(0, 1, 2), "bench")
	if err != nil {
		return 0, err
	}
	defer circ.Close()
	s, err := circ.OpenStream(ctx, "discard")
	if err != nil {
		return 0, err
	}
	defer s.Close()
	chunk := make([]byte, 64<<10)
	rand.Read(chunk)
	start := time.Now()
	for left := size; left > 0; left -= int64(len(chunk)) {
		if _, err := s.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
			return 0, err
		}
	}
	select {
	case <-done:
		return time.Since(start), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

var _ io.Reader = (*circuit.Stream)(nil)
