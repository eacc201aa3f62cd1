package tor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Watchdog defaults (zero WatchdogConfig fields).
const (
	// DefaultWatchdogInterval: time between the end of one probe and the
	// start of the next. An onion service's descriptor lives for hours, so
	// minutes of detection latency cost little; probing more often costs
	// circuits.
	DefaultWatchdogInterval = 3 * time.Minute
	// DefaultProbeTimeout bounds one probe (a full onion-service dial).
	DefaultProbeTimeout = 60 * time.Second
	// DefaultRepairTimeout bounds one repair (a republish, or a restart
	// with its bootstrap and republish).
	DefaultRepairTimeout = 3 * time.Minute
	// DefaultFailuresBeforeRepublish and DefaultFailuresBeforeRestart are
	// the escalation thresholds (consecutive failed probes).
	DefaultFailuresBeforeRepublish = 2
	DefaultFailuresBeforeRestart   = 4
)

// WatchdogConfig configures StartWatchdog. Zero fields mean the defaults.
//
// Repair-time bound: a service that stops answering at time f is seen
// failing by the probes, which run every Interval + (probe duration);
// after FailuresBeforeRepublish failures it is re-published, after
// FailuresBeforeRestart tor is restarted. With the defaults the republish
// starts within 2 x (3 min + 60 s) = 8 min of f, the restart within 16 min,
// plus the repair itself (a re-publication is reachable again after
// seconds on the private network, typically under a minute on the Tor
// network). A launched tor that exits is restarted at once, without
// waiting for a probe.
type WatchdogConfig struct {
	Interval                time.Duration
	Timeout                 time.Duration
	RepairTimeout           time.Duration
	FailuresBeforeRepublish int
	FailuresBeforeRestart   int
	// Probe replaces the built-in probe (a dial of our own onion address
	// with isolation key IsolationWatchdog, closed once connected). It
	// must honour ctx.
	Probe func(ctx context.Context) error
}

// watchOps is what the watchdog loop acts on: the Tor, or a fake in tests.
type watchOps interface {
	probe(ctx context.Context) error
	repair(ctx context.Context, a Action) error
	exited() <-chan struct{} // nil if the tor is not ours (attach mode)
	alive() bool
	report(h Health)
	record(e Event)
}

// watchdog is the goroutine that probes and repairs. Its owner (the Tor)
// stops it with close, which is idempotent and waits for it.
type watchdog struct {
	cfg    WatchdogConfig // defaults applied
	ops    watchOps
	m      Machine
	now    func() time.Time
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

func (c WatchdogConfig) withDefaults() (WatchdogConfig, error) {
	c.Interval = orDefault(c.Interval, DefaultWatchdogInterval)
	c.Timeout = orDefault(c.Timeout, DefaultProbeTimeout)
	c.RepairTimeout = orDefault(c.RepairTimeout, DefaultRepairTimeout)
	c.FailuresBeforeRepublish = orDefault(c.FailuresBeforeRepublish, DefaultFailuresBeforeRepublish)
	c.FailuresBeforeRestart = orDefault(c.FailuresBeforeRestart, DefaultFailuresBeforeRestart)
	if c.Interval < 0 || c.Timeout < 0 || c.RepairTimeout < 0 || c.FailuresBeforeRepublish < 1 ||
		c.FailuresBeforeRestart <= c.FailuresBeforeRepublish {
		return c, fmt.Errorf("%w: watchdog intervals must be positive and 1 <= FailuresBeforeRepublish < FailuresBeforeRestart", ErrConfig)
	}
	return c, nil
}

func startWatchdog(cfg WatchdogConfig, ops watchOps, canRestart bool, now func() time.Time, log *slog.Logger) *watchdog {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watchdog{
		cfg: cfg, ops: ops, now: now, log: log, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		m: Machine{RepublishAfter: cfg.FailuresBeforeRepublish, RestartAfter: cfg.FailuresBeforeRestart, CanRestart: canRestart},
	}
	go w.run()
	return w
}

// close stops the loop (interrupting a probe or repair) and waits for it.
func (w *watchdog) close() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}

// FirstProbeDelay is how long after it starts the watchdog probes first
// (or Interval, if shorter).
const FirstProbeDelay = 10 * time.Second

func (w *watchdog) run() {
	defer close(w.done)
	// The first probe comes early, so that status says soon after start
	// whether the service is reachable; then one every Interval.
	timer := time.NewTimer(min(w.cfg.Interval, FirstProbeDelay))
	defer timer.Stop()
	exit := w.ops.exited()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-exit:
			exit = w.onExit()
		case <-timer.C:
			exit = w.tick()
			timer.Reset(w.cfg.Interval)
		}
	}
}

// onExit restarts a launched tor whose process exited.
func (w *watchdog) onExit() <-chan struct{} {
	w.act(ActionRestart, "tor process exited")
	w.m.Restarted()
	return w.exitChan()
}

// exitChan is the current process's exit channel, or nil when it is dead
// already (a failed restart): the next tick retries.
func (w *watchdog) exitChan() <-chan struct{} {
	if !w.ops.alive() {
		return nil
	}
	return w.ops.exited()
}

// tick runs one probe and the repair the Machine asks for.
func (w *watchdog) tick() <-chan struct{} {
	if w.ops.exited() != nil && !w.ops.alive() {
		return w.onExit()
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.Timeout)
	err := w.ops.probe(ctx)
	cancel()
	if w.ctx.Err() != nil {
		return nil // closing: the result means nothing
	}
	a := w.m.Observe(w.now(), err)
	h := w.m.Health()
	w.ops.report(h)
	if err != nil {
		w.log.Info("tor: watchdog probe failed", "failures", h.Failures, "err", err)
	}
	if a != ActionNone {
		w.act(a, fmt.Sprintf("%d consecutive failed probes", h.Failures))
	}
	return w.exitChan()
}

// act runs one repair, bounded by RepairTimeout, and records it.
func (w *watchdog) act(a Action, reason string) {
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.RepairTimeout)
	err := w.ops.repair(ctx, a)
	cancel()
	if w.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	e := Event{Time: w.now(), Action: a, Reason: reason}
	if err != nil {
		e.Err = err.Error()
	}
	w.ops.record(e)
	w.log.Warn("tor: watchdog repaired the onion service", "event", e)
}

// StartWatchdog starts the reachability watchdog for l (see
// WatchdogConfig for what it does and when). It runs until Close. Only one
// watchdog per Tor.
func (t *Tor) StartWatchdog(l *Listener, cfg WatchdogConfig) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if l == nil && cfg.Probe == nil {
		return fmt.Errorf("%w: the watchdog needs a Listener or a Probe", ErrConfig)
	}
	ops := &torOps{t: t, l: l, probeFn: cfg.Probe}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.isClosed() {
		return ErrClosed
	}
	if t.wd != nil {
		return fmt.Errorf("%w: watchdog already running", ErrConfig)
	}
	t.wd = startWatchdog(cfg, ops, t.mode == ModeLaunch, t.now, t.log)
	return nil
}

// torOps connects the watchdog loop to a Tor.
type torOps struct {
	t       *Tor
	l       *Listener
	probeFn func(context.Context) error
}

func (o *torOps) probe(ctx context.Context) error {
	if o.probeFn != nil {
		return o.probeFn(ctx)
	}
	return o.t.Probe(ctx, o.l)
}

func (o *torOps) repair(ctx context.Context, a Action) error {
	if a == ActionRestart {
		return o.t.Restart(ctx)
	}
	if err := o.t.Republish(ctx); err != nil {
		return err
	}
	if o.t.mode == ModeLaunch {
		o.t.forgetOnionState(ctx)
	}
	return nil
}

// forgetOnionState sends SIGNAL NEWNYM, which among other things makes
// tor forget the onion-service descriptors and introduction-point state it
// cached as a client. After a re-publication our own tor otherwise still
// holds our old descriptor, and the next probe tests that (and can stall
// at a rendezvous for minutes) instead of the new publication. NEWNYM
// also makes new streams use new circuits; established streams (links)
// are unaffected. Only for a tor we launched: on a shared tor it would
// touch other programs' circuits.
func (t *Tor) forgetOnionState(ctx context.Context) {
	if err := t.request(ctx, "SIGNAL NEWNYM"); err != nil {
		t.log.Debug("tor: SIGNAL NEWNYM failed", "err", err)
	}
}

func (o *torOps) exited() <-chan struct{} { return o.t.exited() }
func (o *torOps) alive() bool             { return o.t.procError() == nil }
func (o *torOps) record(e Event)          { o.t.record(e) }

func (o *torOps) report(h Health) {
	o.t.mu.Lock()
	o.t.st.health = h
	o.t.mu.Unlock()
}

// Probe dials our own onion service l through tor on a circuit of its own
// (isolation key IsolationWatchdog) and closes the stream once tor reports
// it connected: the service's tor reached our local listener, so the whole
// path works. The accept side sees a connection that closes at once.
func (t *Tor) Probe(ctx context.Context, l *Listener) error {
	conn, err := t.Dial(ctx, l.Onion(), l.VirtualPort(), IsolationWatchdog)
	if err != nil {
		return err
	}
	return conn.Close()
}

// WaitReachable probes l until a probe succeeds or ctx ends; use it after
// Listen to know the descriptor is out. Probes are spaced by 1 s.
func (l *Listener) WaitReachable(ctx context.Context) error {
	for {
		err := l.t.Probe(ctx, l)
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return err
		}
		if serr := l.t.sleep(ctx, time.Second); serr != nil {
			return fmt.Errorf("%w (last probe: %w)", serr, err)
		}
	}
}
