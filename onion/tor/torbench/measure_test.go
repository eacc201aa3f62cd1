package torbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if left := childTors(); len(left) > 0 {
		fmt.Fprintln(os.Stderr, "tor processes left behind:", left)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// requireTor skips without tor, except in CI (CI=true), where a missing
// tor is a failure.
func requireTor(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"tor", "tor-gencert"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found in CI: %v", bin, err)
			}
			t.Skipf("%s not installed: %v", bin, err)
		}
	}
}

// testLogger logs to the test output at Info (Debug, with tor's own
// lines, when TORBENCH_DEBUG=1).
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("TORBENCH_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// TestMeasure runs the whole measurement against real tor with a small
// transfer and checks what the CLI relies on: sane figures, every byte
// counted, progress reported, no tor left running, Dir cleaned up.
func TestMeasure(t *testing.T) {
	requireTor(t)
	const size = 4 << 20
	dir := t.TempDir()
	var msgs []string
	cfg := Config{Dir: dir, Bytes: size, Builds: 20, Transfers: 2, Logger: testLogger(t),
		Progress: func(m string) { msgs = append(msgs, m) }}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	begin := time.Now()
	res, err := Measure(ctx, cfg)
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	t.Logf("Measure took %v; progress: %q", took, msgs)
	logResult(t, res)
	checkResult(t, res, size, 20, took)
	if len(res.Transfers) != 2 || res.Elapsed != median(res.Transfers) {
		t.Errorf("transfers %v, elapsed %v: want 2 and their median", res.Transfers, res.Elapsed)
	}
	if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, "tor: network ready (") }) {
		t.Errorf("no \"network ready\" progress message in %q", msgs)
	}
	if left := childTors(); len(left) > 0 {
		t.Errorf("tor processes still running after Measure: %v", left)
	}
	for _, d := range []string{"net", "client"} {
		if _, err := os.Stat(filepath.Join(dir, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Measure left Dir/%s behind: %v", d, err)
		}
	}
}

// TestMeasureCancel cancels Measure in the middle of a bulk transfer
// through tor and checks that it returns promptly with the context's
// error, with every tor stopped and Dir cleaned up.
func TestMeasureCancel(t *testing.T) {
	requireTor(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	var timer *time.Timer
	cfg := Config{Dir: dir, Bytes: 1 << 30, Logger: testLogger(t), Progress: func(m string) {
		if strings.Contains(m, "circuit builds") {
			// The bulk stream opens in ~0.1 s; 1 GiB takes minutes.
			timer = time.AfterFunc(1500*time.Millisecond, func() { cancelled = time.Now(); cancel() })
		}
	}}
	_, err := Measure(ctx, cfg)
	returned := time.Now()
	if timer == nil || !timer.Stop() && cancelled.IsZero() {
		t.Fatalf("Measure returned before the bulk transfer: %v", err)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrTransfer) {
		t.Errorf("Measure = %v, want ErrTransfer wrapping context.Canceled", err)
	}
	t.Logf("Measure returned %v after the cancellation: %v", returned.Sub(cancelled), err)
	if d := returned.Sub(cancelled); d > 10*time.Second {
		t.Errorf("Measure took %v to return after the cancellation", d)
	}
	if left := childTors(); len(left) > 0 {
		t.Errorf("tor processes still running after Measure: %v", left)
	}
	for _, d := range []string{"net", "client"} {
		if _, err := os.Stat(filepath.Join(dir, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Measure left Dir/%s behind: %v", d, err)
		}
	}
}

func checkResult(t *testing.T, res Result, size int64, builds int, took time.Duration) {
	t.Helper()
	if res.Bytes != size {
		t.Errorf("Bytes = %d, want %d", res.Bytes, size)
	}
	if res.Elapsed <= 0 || res.Elapsed > took {
		t.Errorf("Elapsed = %v, want in (0, %v]", res.Elapsed, took)
	}
	if want := float64(size) / res.Elapsed.Seconds() / 1e6; res.MBps <= 0 || res.MBps != want {
		t.Errorf("MBps = %v, want %v > 0", res.MBps, want)
	}
	if len(res.Builds) != builds {
		t.Fatalf("%d builds, want %d", len(res.Builds), builds)
	}
	for i, d := range res.Builds {
		if d <= 0 || d > buildTimeout {
			t.Errorf("build %d took %v, want in (0, %v]", i, d, buildTimeout)
		}
	}
	if res.BuildMedian != median(res.Builds) || res.BuildMedian <= 0 {
		t.Errorf("BuildMedian = %v, builds %v", res.BuildMedian, res.Builds)
	}
	if res.Relays != netAuthorities+netRelays {
		t.Errorf("Relays = %d, want %d", res.Relays, netAuthorities+netRelays)
	}
	if res.StartTime <= 0 || res.StartTime > took {
		t.Errorf("StartTime = %v, want in (0, %v]", res.StartTime, took)
	}
}

func logResult(t *testing.T, res Result) {
	t.Helper()
	t.Logf("network: %d relays, ready for measuring after %v", res.Relays, res.StartTime.Round(time.Millisecond))
	t.Logf("bulk: %d bytes in %v = %.2f MB/s", res.Bytes, res.Elapsed.Round(time.Millisecond), res.MBps)
	t.Logf("builds (%d, %d failed and retried): median %v, min %v, max %v; all: %v", len(res.Builds), res.BuildFailures,
		ms(res.BuildMedian), ms(slices.Min(res.Builds)), ms(slices.Max(res.Builds)), roundAll(res.Builds))
}

func roundAll(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = ms(d)
	}
	return out
}

// TestMeasureDefaults is a measurement, not a CI test: with
// TORBENCH_FIGURES=N it runs Measure with the defaults (64 MiB, 20 builds)
// N times and logs the figures.
func TestMeasureDefaults(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("TORBENCH_FIGURES"))
	if runs < 1 {
		t.Skip("a measurement; set TORBENCH_FIGURES=<runs> to run it")
	}
	requireTor(t)
	for i := range runs {
		begin := time.Now()
		res, err := Measure(context.Background(), Config{Dir: t.TempDir(), Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		t.Logf("run %d: Measure took %v", i, time.Since(begin).Round(time.Millisecond))
		logResult(t, res)
		checkResult(t, res, DefaultBytes, DefaultBuilds, time.Since(begin))
	}
}

// childTors lists tor processes whose parent is this test binary.
func childTors() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat) // pid (comm) state ppid ...
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(tor)") {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == me {
			pids = append(pids, pid)
		}
	}
	return pids
}
