package tornet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallConfig is the cheapest network that could work (1 RSA authority key
// to generate instead of 3), for the tests that expect Start to fail.
func smallConfig(t *testing.T) Config {
	return Config{Dir: t.TempDir(), Authorities: 1, Relays: 3, Logger: testLogger(t)}
}

// startFails runs Start, expects a *StartError and checks that no tor it
// started is left running.
func startFails(t *testing.T, cfg Config, maxDuration time.Duration) *StartError {
	t.Helper()
	var pids []int
	hook := cfg.afterLaunch
	cfg.afterLaunch = func(name string, pid int) {
		pids = append(pids, pid)
		if hook != nil {
			hook(name, pid)
		}
	}
	begin := time.Now()
	n, err := Start(context.Background(), cfg)
	took := time.Since(begin)
	if err == nil {
		n.Close()
		t.Fatal("Start succeeded, want an error")
	}
	t.Logf("Start failed after %v: %v", took, err)
	if took > maxDuration {
		t.Errorf("Start took %v to fail, want < %v", took, maxDuration)
	}
	for _, pid := range pids {
		if !processGone(pid) {
			t.Errorf("tor %d still running after a failed Start", pid)
		}
	}
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *StartError", err)
	}
	return se
}

func TestStartBadTorrcLine(t *testing.T) {
	requireTor(t)
	cfg := smallConfig(t)
	cfg.extraTorrc = func(name string) []string {
		if name == "relay1" {
			return []string{"NoSuchTorOption 1"}
		}
		return nil
	}
	se := startFails(t, cfg, 30*time.Second)
	if !errors.Is(se, ErrExited) || se.Tor != "relay1" {
		t.Errorf("got %q (tor %q), want ErrExited for relay1", se, se.Tor)
	}
	if !strings.Contains(se.Error(), "NoSuchTorOption") {
		t.Errorf("error lacks tor's complaint from its log: %q", se)
	}
	if entries, err := os.ReadDir(cfg.Dir); err != nil || len(entries) == 0 {
		t.Errorf("Dir given by the caller was emptied or removed: %v, %v", entries, err)
	}
}

func TestStartProcessKilled(t *testing.T) {
	requireTor(t)
	cfg := smallConfig(t)
	cfg.afterLaunch = func(name string, pid int) {
		if name == "relay0" {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	se := startFails(t, cfg, 30*time.Second)
	if !errors.Is(se, ErrExited) || se.Tor != "relay0" || !strings.Contains(se.Detail, "killed") {
		t.Errorf("got %q (tor %q, detail %q), want ErrExited for relay0, killed", se, se.Tor, se.Detail)
	}
}

// TestStartTimeout: a start timeout far too short for a consensus (the
// first vote comes after 10 s) gives ErrNotReady naming a tor, on time.
func TestStartTimeout(t *testing.T) {
	requireTor(t)
	cfg := smallConfig(t)
	cfg.Dir = filepath.Join(cfg.Dir, "created")
	cfg.StartTimeout = 6 * time.Second
	se := startFails(t, cfg, cfg.StartTimeout+3*time.Second)
	if !errors.Is(se, ErrNotReady) || se.Tor == "" || se.Detail == "" {
		t.Errorf("got %q (tor %q, detail %q), want ErrNotReady naming a tor and why", se, se.Tor, se.Detail)
	}
	if _, err := os.Stat(cfg.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir created by Start survives its failure: %v", err)
	}
}

func TestStartCancelled(t *testing.T) {
	requireTor(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := smallConfig(t)
	cfg.afterLaunch = func(name string, _ int) {
		if name == "relay2" {
			cancel()
		}
	}
	begin := time.Now()
	n, err := Start(ctx, cfg)
	if err == nil {
		n.Close()
		t.Fatal("Start succeeded after cancel")
	}
	if !errors.Is(err, context.Canceled) || time.Since(begin) > 20*time.Second {
		t.Errorf("Start after cancel: %v after %v, want context.Canceled promptly", err, time.Since(begin))
	}
}
