package tor

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errProbe = errors.New("probe failed")

// fakeClock is a manual clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestMachineEscalation(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	step := 3 * time.Minute
	tests := []struct {
		name       string
		canRestart bool
		probes     []bool // true = success
		want       []Action
	}{
		{"healthy", true, []bool{true, true, true}, []Action{0, 0, 0}},
		{"one blip", true, []bool{true, false, true, false, true}, []Action{0, 0, 0, 0, 0}},
		{"republish then restart", true,
			[]bool{false, false, false, false, false, false, false, false},
			[]Action{0, ActionRepublish, 0, ActionRestart, 0, ActionRepublish, 0, ActionRestart}},
		{"republish helps", true, []bool{false, false, true, false, false},
			[]Action{0, ActionRepublish, 0, 0, ActionRepublish}},
		{"attach mode never restarts", false,
			[]bool{false, false, false, false, false, false},
			[]Action{0, ActionRepublish, 0, ActionRepublish, 0, ActionRepublish}},
	}
	for _, tt := range tests {
		m := Machine{RepublishAfter: 2, RestartAfter: 4, CanRestart: tt.canRestart}
		for i, ok := range tt.probes {
			clk.advance(step)
			var err error
			if !ok {
				err = errProbe
			}
			if got := m.Observe(clk.now(), err); got != tt.want[i] {
				t.Errorf("%s: probe %d: %v, want %v", tt.name, i, got, tt.want[i])
			}
			h := m.Health()
			if h.LastProbe != clk.now() || h.Reachable != ok {
				t.Errorf("%s: probe %d: health %+v", tt.name, i, h)
			}
			if ok && (h.LastSuccess != clk.now() || h.Failures != 0) {
				t.Errorf("%s: probe %d: success not recorded: %+v", tt.name, i, h)
			}
		}
	}
}

func TestMachineHealthTimes(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	m := Machine{RepublishAfter: 2, RestartAfter: 4, CanRestart: true}
	m.Observe(clk.now(), nil)
	okAt := clk.now()
	for range 3 {
		clk.advance(time.Minute)
		m.Observe(clk.now(), errProbe)
	}
	h := m.Health()
	if h.Failures != 3 || h.LastSuccess != okAt || h.LastProbe.Sub(h.LastSuccess) != 3*time.Minute {
		t.Fatalf("health %+v", h)
	}
	m.Restarted() // escalation starts over: two more failures republish
	clk.advance(time.Minute)
	if a := m.Observe(clk.now(), errProbe); a != ActionNone {
		t.Fatalf("after Restarted: %v", a)
	}
	if a := m.Observe(clk.now(), errProbe); a != ActionRepublish {
		t.Fatalf("after Restarted: %v", a)
	}
	if m.Health().Failures != 5 {
		t.Fatalf("Failures %d, want 5 (Restarted does not hide failures)", m.Health().Failures)
	}
}

// fakeOps is a scripted watchOps.
type fakeOps struct {
	mu      sync.Mutex
	probes  []error // results, in order; then success forever
	actions []Action
	health  Health
	events  []Event
	dead    chan struct{} // closed = tor "exited"; replaced by a restart
	isDead  bool
}

func (f *fakeOps) probe(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.isDead {
		return errProbe
	}
	if len(f.probes) == 0 {
		return nil
	}
	err := f.probes[0]
	f.probes = f.probes[1:]
	return err
}

func (f *fakeOps) repair(ctx context.Context, a Action) error {
	time.Sleep(time.Second) // repairs take time
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, a)
	if a == ActionRestart && f.isDead {
		f.isDead, f.dead = false, make(chan struct{})
	}
	return nil
}

func (f *fakeOps) exited() <-chan struct{} { f.mu.Lock(); defer f.mu.Unlock(); return f.dead }
func (f *fakeOps) alive() bool             { f.mu.Lock(); defer f.mu.Unlock(); return !f.isDead }
func (f *fakeOps) report(h Health)         { f.mu.Lock(); defer f.mu.Unlock(); f.health = h }
func (f *fakeOps) record(e Event)          { f.mu.Lock(); defer f.mu.Unlock(); f.events = append(f.events, e) }

func (f *fakeOps) kill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.isDead = true
	close(f.dead)
}

func (f *fakeOps) snapshot() ([]Action, []Event, Health) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Action(nil), f.actions...), append([]Event(nil), f.events...), f.health
}

// TestWatchdogLoop runs the real loop on synctest's fake clock: failing
// probes escalate at the documented times, and Close stops it.
func TestWatchdogLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ops := &fakeOps{probes: []error{errProbe, errProbe, errProbe, errProbe}, dead: make(chan struct{})}
		cfg, err := WatchdogConfig{Interval: time.Minute}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		w := startWatchdog(cfg, ops, true, time.Now, slog.New(slog.DiscardHandler))
		defer w.close()

		// probes at FirstProbeDelay (10 s) and 1:10 -> republish, done at 1:11
		time.Sleep(time.Minute + FirstProbeDelay + time.Second)
		synctest.Wait()
		acts, events, h := ops.snapshot()
		if len(acts) != 1 || acts[0] != ActionRepublish || h.Failures != 2 {
			t.Fatalf("after 2 probes: actions %v health %+v", acts, h)
		}
		if e := events[0]; e.Action != ActionRepublish || e.Time.Sub(start) != time.Minute+FirstProbeDelay+time.Second || e.Reason != "2 consecutive failed probes" {
			t.Fatalf("event %+v", e)
		}
		// The republish took 1 s, so the next probes are at 2:11, 3:11.
		time.Sleep(2*time.Minute + time.Second)
		synctest.Wait()
		acts, _, _ = ops.snapshot()
		if len(acts) != 2 || acts[1] != ActionRestart {
			t.Fatalf("after 4 probes: actions %v", acts)
		}
		time.Sleep(10 * time.Minute) // all probes succeed now
		synctest.Wait()
		acts, _, h = ops.snapshot()
		if len(acts) != 2 || !h.Reachable || h.Failures != 0 {
			t.Fatalf("recovered: actions %v health %+v", acts, h)
		}
	})
}

// TestWatchdogExit: a launched tor that exits is restarted at once, not at
// the next probe.
func TestWatchdogExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ops := &fakeOps{dead: make(chan struct{})}
		cfg, _ := WatchdogConfig{Interval: time.Hour}.withDefaults()
		w := startWatchdog(cfg, ops, true, time.Now, slog.New(slog.DiscardHandler))
		time.Sleep(time.Minute)
		start := time.Now()
		ops.kill()
		synctest.Wait()
		time.Sleep(time.Second) // the restart takes 1 s
		synctest.Wait()
		acts, events, _ := ops.snapshot()
		if len(acts) != 1 || acts[0] != ActionRestart || events[0].Reason != "tor process exited" || events[0].Time.Sub(start) != time.Second {
			t.Fatalf("actions %v events %+v", acts, events)
		}
		ops.kill() // and again, on the new process
		time.Sleep(time.Second)
		synctest.Wait()
		if acts, _, _ := ops.snapshot(); len(acts) != 2 {
			t.Fatalf("second exit: actions %v", acts)
		}
		w.close()
		w.close() // idempotent
	})
}

func TestWatchdogConfig(t *testing.T) {
	c, err := WatchdogConfig{}.withDefaults()
	if err != nil || c.Interval != DefaultWatchdogInterval || c.FailuresBeforeRepublish != 2 || c.FailuresBeforeRestart != 4 {
		t.Fatalf("defaults %+v %v", c, err)
	}
	for _, bad := range []WatchdogConfig{
		{Interval: -1},
		{FailuresBeforeRepublish: 3, FailuresBeforeRestart: 3},
		{FailuresBeforeRepublish: 5},
	} {
		if _, err := bad.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v accepted", bad)
		}
	}
}
