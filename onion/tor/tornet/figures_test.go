package tornet

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"
)

// TestStartupFigures is a measurement, not a CI test: with TORNET_FIGURES=1
// it starts a default network 5 times, one after the other, and prints the
// median and max startup time (first tor process -> every relay's consensus
// usable), the network's RSS just after each start, and on each network
// the time for two clients to bootstrap and for an onion service to become
// reachable after it was published.
func TestStartupFigures(t *testing.T) {
	if os.Getenv("TORNET_FIGURES") != "1" {
		t.Skip("a measurement; set TORNET_FIGURES=1 to run it")
	}
	requireTor(t)
	const runs = 5
	var startups, totals, boots, reaches []time.Duration
	var rss []uint64
	for i := range runs {
		begin := time.Now()
		n, err := Start(context.Background(), Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		totals = append(totals, time.Since(begin))
		startups = append(startups, n.StartupTime())
		b, err := n.RSS()
		if err != nil {
			t.Fatal(err)
		}
		rss = append(rss, b)
		t.Run("onion", func(t *testing.T) {
			boot, reach, _ := onionEcho(t, n)
			boots, reaches = append(boots, boot), append(reaches, reach)
		})
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: startup %v (Start %v incl. keys), RSS %.1f MiB, clients bootstrapped %v, onion published -> reachable %v",
			i, startups[i], totals[i], mib(b), boots[len(boots)-1], reaches[len(reaches)-1])
	}
	slices.Sort(startups)
	slices.Sort(totals)
	slices.Sort(rss)
	slices.Sort(boots)
	slices.Sort(reaches)
	t.Logf("startup over %d runs: median %v, max %v; Start incl. keys: median %v, max %v",
		runs, startups[runs/2], startups[runs-1], totals[runs/2], totals[runs-1])
	t.Logf("RSS after start: median %.1f MiB, max %.1f MiB", mib(rss[runs/2]), mib(rss[runs-1]))
	t.Logf("2 clients bootstrapped: median %v, max %v; onion published -> reachable: min %v, median %v, max %v",
		boots[runs/2], boots[runs-1], reaches[0], reaches[runs/2], reaches[runs-1])
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
