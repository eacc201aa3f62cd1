package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/onion/tor/torbench"
)

func cmdBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "messages" {
		return cmdBenchMessages(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "payments" {
		return cmdBenchPayments(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "circuits" {
		return usageError{"bench: say what to measure: warren bench circuits | warren bench messages | warren bench payments"}
	}
	fs := newFlags(e, "bench circuits", "bench circuits [--mib N] [--builds N] [--transfers N] [--dir DIR] [--json]")
	mib := fs.Int64("mib", 64, "MiB to send through each 3-hop circuit")
	builds := fs.Int("builds", 20, "circuit builds to time (at least 20)")
	transfers := fs.Int("transfers", 3, "bulk transfers per side, each on a fresh circuit; the median counts")
	work := fs.String("dir", "", "working directory for the private Tor network (default: a temporary one)")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *mib <= 0 || *builds < torbench.MinBuilds || *transfers < 1 {
		return usageError{fmt.Sprintf("bench circuits: --mib and --transfers must be positive and --builds at least %d", torbench.MinBuilds)}
	}
	dir, cleanup, err := benchDir(*work)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := runBench(ctx, e.stderr, dir, *mib<<20, *builds, *transfers)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, res)
	}
	printBench(e.stdout, res)
	return nil
}

// benchResult is both sides of one `warren bench circuits` run.
type benchResult struct {
	Bytes      int64               `json:"bytes"`
	Tor        torbench.Result     `json:"tor"`
	Warren     circnet.BenchResult `json:"warren"`
	Throughput float64             `json:"throughput_ratio"` // Warren MB/s / tor MB/s
	BuildRatio float64             `json:"build_ratio"`      // Warren median build / tor median build
}

func runBench(ctx context.Context, progress io.Writer, dir string, size int64, builds, transfers int) (benchResult, error) {
	r := benchResult{Bytes: size}
	fmt.Fprintln(progress, "tor: measuring a 3-hop tor circuit on a private Tor network (this starts tor; about a minute)")
	var err error
	r.Tor, err = torbench.Measure(ctx, torbench.Config{Dir: dir, Bytes: size, Builds: builds, Transfers: transfers,
		Progress: func(m string) { fmt.Fprintln(progress, m) }})
	if err != nil {
		return r, fmt.Errorf("tor side: %w", err)
	}
	fmt.Fprintln(progress, "warren: measuring a 3-hop Warren circuit over loopback TCP links")
	r.Warren, err = circnet.Measure(ctx, circnet.BenchConfig{Bytes: size, Builds: builds, Transfers: transfers})
	if err != nil {
		return r, fmt.Errorf("warren side: %w", err)
	}
	r.Throughput = r.Warren.MBps / r.Tor.MBps
	r.BuildRatio = float64(r.Warren.BuildMedian) / float64(r.Tor.BuildMedian)
	return r, nil
}

func printBench(w io.Writer, r benchResult) {
	fmt.Fprintf(w, "3-hop circuits on this machine, %d MiB one way to a local sink (median of %d transfers), median of %d builds:\n",
		r.Bytes>>20, len(r.Warren.Transfers), len(r.Warren.Builds))
	fmt.Fprintf(w, "  %-28s %10s %14s\n", "", "MB/s", "build median")
	fmt.Fprintf(w, "  %-28s %10.1f %14s\n", "tor (private Tor network)", r.Tor.MBps, r.Tor.BuildMedian.Round(10*time.Microsecond))
	fmt.Fprintf(w, "  %-28s %10.1f %14s\n", "warren (loopback TCP links)", r.Warren.MBps, r.Warren.BuildMedian.Round(10*time.Microsecond))
	fmt.Fprintf(w, "  warren/tor: %.1f× the throughput, %.2f× the build time\n", r.Throughput, r.BuildRatio)
}

// benchDir returns a fresh working directory (Measure wants its
// subdirectories absent) and how to remove what it made.
func benchDir(work string) (string, func(), error) {
	if work == "" {
		d, err := os.MkdirTemp("", "warren-bench-")
		if err != nil {
			return "", nil, err
		}
		return d, func() { os.RemoveAll(d) }, nil
	}
	d, err := os.MkdirTemp(work, "bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Clean(d), func() { os.RemoveAll(d) }, nil
}
