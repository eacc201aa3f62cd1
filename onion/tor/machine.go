package tor

import "time"

// Action is a watchdog repair.
type Action int

// Actions, in escalating order.
const (
	ActionNone Action = iota
	// ActionRepublish: DEL_ONION then ADD_ONION with the same key.
	ActionRepublish
	// ActionRestart: stop tor, start it again, bootstrap, republish
	// (launch mode only).
	ActionRestart
)

func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionRepublish:
		return "republish"
	case ActionRestart:
		return "restart"
	}
	return "unknown"
}

// Machine is the watchdog's decision logic, pure: it is fed the outcome of
// each reachability probe and says what to do. With RepublishAfter = 2 and
// RestartAfter = 4 it re-publishes after the 2nd consecutive failure and
// restarts tor after the 4th; after a restart the count starts over. When
// CanRestart is false (attach mode) the restart becomes another
// re-publish. A success resets everything. The zero Machine is not usable:
// set RepublishAfter >= 1 and RestartAfter > RepublishAfter. Not safe for
// concurrent use (the watchdog goroutine owns it).
type Machine struct {
	RepublishAfter int
	RestartAfter   int
	CanRestart     bool

	h     Health
	cycle int // failures since the last success or restart
}

// Observe records one probe (err == nil: reachable) made at time at and
// returns the action to take now.
func (m *Machine) Observe(at time.Time, err error) Action {
	m.h.LastProbe = at
	if err == nil {
		m.h.Reachable, m.h.LastSuccess, m.h.Failures, m.cycle = true, at, 0, 0
		return ActionNone
	}
	m.h.Reachable = false
	m.h.Failures++
	m.cycle++
	switch {
	case m.cycle >= m.RestartAfter:
		m.cycle = 0
		if m.CanRestart {
			return ActionRestart
		}
		return ActionRepublish
	case m.cycle == m.RepublishAfter:
		return ActionRepublish
	}
	return ActionNone
}

// Restarted tells the machine tor was restarted for another reason (its
// process died), so the escalation starts over.
func (m *Machine) Restarted() { m.cycle = 0 }

// Health returns the probes' outcome so far.
func (m *Machine) Health() Health { return m.h }
