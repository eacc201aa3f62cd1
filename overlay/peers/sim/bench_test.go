package sim

import (
	"testing"
	"testing/synctest"
	"time"
)

// inBubble runs f as a synctest test from a benchmark: synctest needs a
// *testing.T, which testing.RunTests provides.
func inBubble(b *testing.B, f func(t *testing.T)) {
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: b.Name(), F: func(t *testing.T) { synctest.Test(t, f) }}})
	if !ok {
		b.Fatal("simulation failed")
	}
}

func benchConvergence(b *testing.B, n int) {
	for i := 0; b.Loop(); i++ {
		var took time.Duration
		var full time.Duration
		inBubble(b, func(t *testing.T) {
			var s *Sim
			took, s = convergence(t, n, uint64(i+1))
			// Coverage is O(n²) book lookups: check every 5 s, give up
			// after 10 simulated minutes (then the metric is a floor).
			full, _ = s.WaitFor(func() bool { return s.Coverage(1) >= 1 }, 5*time.Second, 10*time.Minute)
			s.Close()
		})
		b.ReportMetric(took.Seconds(), "sim-s-to-95/95")
		b.ReportMetric((took + full).Seconds(), "sim-s-to-100/100")
	}
}

// BenchmarkConvergence200 and BenchmarkConvergence1000 report the
// simulated time until 95 % of nodes know 95 % of live records (and until
// every node knows every record), counted from the last node's start;
// nodes start over 10 s. One gossip round is one flush interval (1 s).
func BenchmarkConvergence200(b *testing.B)  { benchConvergence(b, 200) }
func BenchmarkConvergence1000(b *testing.B) { benchConvergence(b, 1000) }
