package tor

import (
	"log/slog"
	"slices"
	"time"
)

// Status is a snapshot of a Tor for `warren status`. It holds our own
// onion address (public: it is the node ID) and nothing secret.
type Status struct {
	Mode Mode
	// PID is the launched tor's process ID (0 in attach mode or when no
	// tor runs); Running reports whether that process is alive (launch)
	// or the control connection works (attach).
	PID     int
	Running bool
	// Version is tor's version; VersionStatus is the Tor network's verdict
	// on it (GETINFO status/version/current: "recommended", "obsolete",
	// ...; see the Version* constants).
	Version       string
	VersionStatus string
	// Bootstrap is the last bootstrap phase seen.
	Bootstrap Progress
	// Onion is the address of the first open listener ("" if none).
	Onion string
	// Health is the watchdog's view of our onion service's reachability.
	Health
	// Restarts counts tor restarts by the watchdog.
	Restarts int
	// Events are the watchdog's last actions, oldest first.
	Events []Event
}

// Health is the outcome of the watchdog's reachability probes.
type Health struct {
	// Reachable is the result of the last probe (false before any).
	Reachable bool
	// LastProbe and LastSuccess are when the last probe ran and when one
	// last succeeded (zero if never).
	LastProbe, LastSuccess time.Time
	// Failures counts consecutive failed probes.
	Failures int
}

// Event is one watchdog action.
type Event struct {
	Time   time.Time
	Action Action
	// Reason says why ("2 consecutive failed probes", "tor process
	// exited"); Err is how the action failed ("" if it worked).
	Reason string
	Err    string
}

// LogValue lets an Event be logged as one group.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(slog.String("action", e.Action.String()), slog.String("reason", e.Reason), slog.String("err", e.Err))
}

// Status returns a snapshot. It does no I/O.
func (t *Tor) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Status{
		Mode:          t.mode,
		Version:       t.st.version.String(),
		VersionStatus: t.st.vstatus,
		Bootstrap:     t.st.progress,
		Health:        t.st.health,
		Restarts:      t.st.restarts,
		Events:        slices.Clone(t.st.events),
	}
	if t.st.version.IsZero() {
		s.Version = ""
	}
	if t.proc != nil && t.proc.alive() {
		s.PID, s.Running = t.proc.pid(), true
	}
	if t.mode == ModeAttach {
		s.Running = t.ctrl != nil && !t.ctrl.isBroken()
	}
	if len(t.lns) > 0 {
		s.Onion = t.lns[0].Onion()
	}
	return s
}
