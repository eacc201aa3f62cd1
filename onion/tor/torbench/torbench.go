package torbench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Defaults and limits of Config.
const (
	DefaultBytes  = 64 << 20 // bulk size
	DefaultBuilds = 20       // circuit builds timed
	MinBuilds     = 20       // fewer builds make a poor median
	ChunkSize     = 64 << 10 // size of each write of the bulk transfer
)

// Size of the private network: 1 authority + 3 relays, the smallest tornet
// accepts (tornet.MinTors) and the smallest tornet.md found to work. Four
// relays give 24 ordered 3-hop paths, so 20 builds never repeat a path.
const (
	netAuthorities = 1
	netRelays      = 3
)

// Deadlines of the phases (each also bounded by Measure's context).
const (
	networkTimeout = 120 * time.Second // tornet.Start: 10-25 s measured
	clientTimeout  = 90 * time.Second  // client launch, bootstrap, relays' descriptors
	buildTimeout   = 30 * time.Second  // one circuit build
	streamTimeout  = 60 * time.Second  // opening and attaching the bulk stream
	// The bulk transfer must average at least minRate after a grace
	// period: its deadline is bulkGrace + Bytes/minRate.
	bulkGrace = 30 * time.Second
	minRate   = 250_000 // bytes per second
)

// Config configures Measure. The zero value of every field except Dir
// means its documented default. Measure never modifies it.
type Config struct {
	// Dir is the working directory (required). Measure creates it (mode
	// 0700) if needed, runs the network's tors in Dir/net and the client
	// tor in Dir/client, which must not exist, and removes both on return.
	Dir string
	// Bytes is the size of the bulk transfer (default DefaultBytes).
	Bytes int64
	// Builds is the number of circuit builds timed (default and minimum
	// MinBuilds).
	Builds int
	// Logger receives the package's events and, at Debug, tor's own log
	// lines. nil discards.
	Logger *slog.Logger
	// Progress, if set, is called with one-line progress messages such as
	// "tor: network ready (12 s)", from the goroutine running Measure.
	Progress func(msg string)
	// TorPath is the tor binary; "" means "tor" in PATH (tor-gencert is
	// looked up next to it, as tornet does).
	TorPath string
	// Transfers is how many bulk transfers to time, each on a fresh
	// circuit over the next path (default 1); the result is their median.
	Transfers int
}

// Result is what Measure measured.
type Result struct {
	// Bytes is the size of the bulk transfer, all of it counted by the sink.
	Bytes int64
	// Elapsed runs from the first write of the bulk transfer to the moment
	// the sink has counted the last byte: the median of Transfers.
	Elapsed time.Duration
	// Transfers are the elapsed times of each bulk transfer, in order.
	Transfers []time.Duration
	// MBps is Bytes / Elapsed in decimal megabytes per second.
	MBps float64
	// Builds are the build times of the 3-hop circuits, in order:
	// EXTENDCIRCUIT sent to tor's CIRC BUILT event for that circuit.
	Builds []time.Duration
	// BuildMedian is the median of Builds (the mean of the two middle
	// values for an even count).
	BuildMedian time.Duration
	// BuildFailures counts builds tor reported FAILED; each was retried on
	// the next path and is not in Builds.
	BuildFailures int
	// Relays is the number of relays in the network (authorities included).
	Relays int
	// StartTime is how long it took from Measure's start until the
	// measurement could begin: the private network up (keys included), the
	// client tor bootstrapped and knowing every relay. Not part of the
	// figures.
	StartTime time.Duration
}

// settings is a validated Config with its defaults applied.
type settings struct {
	Config
	log *slog.Logger
}

func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c, log: c.Logger}
	if s.Dir == "" {
		return nil, fmt.Errorf("%w: Dir is required", ErrConfig)
	}
	switch {
	case s.Bytes < 0:
		return nil, fmt.Errorf("%w: negative Bytes", ErrConfig)
	case s.Bytes == 0:
		s.Bytes = DefaultBytes
	}
	switch {
	case s.Builds == 0:
		s.Builds = DefaultBuilds
	case s.Builds < MinBuilds:
		return nil, fmt.Errorf("%w: Builds is %d, the minimum is %d", ErrConfig, s.Builds, MinBuilds)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

func (s *settings) progress(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.log.Info(msg)
	if s.Progress != nil {
		s.Progress(msg)
	}
}

// Measure starts a private Tor network on loopback and one client tor,
// times s.Builds 3-hop circuit builds through the client's control port
// and sends Bytes through a fresh 3-hop circuit to a sink in this process;
// the method is in the package documentation. It stops every tor it
// started and closes every listener before it returns, also on error. If
// the measurement succeeded but stopping failed, it returns the Result and
// an error wrapping ErrStop.
func Measure(ctx context.Context, cfg Config) (Result, error) {
	s, err := cfg.resolve()
	if err != nil {
		return Result{}, err
	}
	b := &bench{s: s}
	res, err := b.run(ctx)
	if cerr := b.close(); cerr != nil {
		s.log.Warn("torbench: stopping failed", "err", cerr)
		if err == nil {
			err = cerr
		}
	}
	return res, err
}

// run does the measurement; close undoes what it started.
func (b *bench) run(ctx context.Context) (Result, error) {
	begin := time.Now()
	if err := b.start(ctx); err != nil {
		return Result{}, err
	}
	res := Result{Relays: len(b.relays), StartTime: time.Since(begin)}
	paths := orderedPaths(b.relays)
	var err error
	res.Builds, res.BuildFailures, err = b.measureBuilds(ctx, paths)
	if err != nil {
		return Result{}, err
	}
	res.BuildMedian = median(res.Builds)
	b.s.progress("tor: %d circuit builds, median %s (min %s, max %s)", len(res.Builds),
		ms(res.BuildMedian), ms(slices.Min(res.Builds)), ms(slices.Max(res.Builds)))
	for i := range max(1, b.s.Transfers) {
		bulkPath := paths[(len(res.Builds)+res.BuildFailures+i)%len(paths)]
		el, err := b.measureBulk(ctx, bulkPath)
		if err != nil {
			return Result{}, err
		}
		res.Transfers = append(res.Transfers, el)
	}
	res.Elapsed = median(res.Transfers)
	res.Bytes = b.s.Bytes
	res.MBps = float64(res.Bytes) / res.Elapsed.Seconds() / 1e6
	b.s.progress("tor: %s through a 3-hop circuit in %s (median of %d): %.2f MB/s", size(res.Bytes), res.Elapsed.Round(time.Millisecond), len(res.Transfers), res.MBps)
	return res, nil
}

// prepareDirs creates Dir and checks that Dir/net and Dir/client are free.
func (s *settings) prepareDirs() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("%w: creating Dir: %w", ErrConfig, err)
	}
	for _, d := range []string{s.netDir(), s.clientDir()} {
		if _, err := os.Lstat(d); err == nil {
			return fmt.Errorf("%w: %s already exists in Dir", ErrConfig, filepath.Base(d))
		}
	}
	return nil
}

func (s *settings) netDir() string    { return filepath.Join(s.Dir, "net") }
func (s *settings) clientDir() string { return filepath.Join(s.Dir, "client") }

// median returns the median of ds (the mean of the two middle values for
// an even count); 0 for none. It does not modify ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// size formats n bytes as "64 MiB" when it is a whole number of MiB.
func size(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ms formats d in milliseconds with 0.1 ms precision.
func ms(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
