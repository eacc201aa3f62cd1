package tornet

import (
	"context"
	"fmt"
	"time"
)

// readiness is what Start knows about one tor while waiting.
type readiness struct {
	ctl    *ctlConn
	ready  bool
	reason string    // why it is not ready yet
	nudged time.Time // last SIGNAL RELOAD
}

// nudgeInterval spaces the SIGNAL RELOADs sent to one tor.
const nudgeInterval = time.Second

// waitReady polls every relay's control port until its own consensus lists
// every relay as Running. A tor exiting fails it at once; the context's end
// fails it with a StartError naming the first tor not ready.
func (n *Network) waitReady(ctx context.Context) error {
	state := make([]readiness, len(n.tors))
	defer func() {
		for _, r := range state {
			if r.ctl != nil {
				r.ctl.Close()
			}
		}
	}()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if err := n.exitedDuringStart(); err != nil {
			return err
		}
		if done := n.poll(ctx, state); done == len(n.tors) {
			return nil
		}
		select {
		case t := <-n.exited:
			return t.exitError()
		case <-ctx.Done():
			return n.notReadyError(ctx, state)
		case <-tick.C:
		}
	}
}

func (n *Network) exitedDuringStart() error {
	select {
	case t := <-n.exited:
		return t.exitError()
	default:
		return nil
	}
}

// poll checks every tor not yet ready once and reports how many are ready.
func (n *Network) poll(ctx context.Context, state []readiness) int {
	done := 0
	for i, t := range n.tors {
		r := &state[i]
		if !r.ready && ctx.Err() == nil {
			ok, reason := n.check(ctx, t, r)
			// An exchange cut short by the end of the start keeps the
			// previous, more useful reason.
			if ok || ctx.Err() == nil || r.reason == "" {
				r.ready, r.reason = ok, reason
			}
			if r.ready {
				n.cfg.log.Debug("tornet: relay's consensus lists every relay Running", "tor", t.name)
				r.ctl.Close()
				r.ctl = nil
			}
		}
		if r.ready {
			done++
		}
	}
	n.progress(PhaseConsensus, done, len(n.tors))
	if done > 0 {
		n.nudge(state)
	}
	return done
}

// nudge makes the tors not ready yet fetch the consensus now. Called once
// some tor is ready, i.e. a consensus listing every relay Running exists.
//
// A relay that asked for a consensus before the first one existed got 404s
// and backs off with random exponential delays (uncapped, base 1 s,
// "decorrelated jitter" in tor's dlstatus.c), so it may wait 20-40 s before
// asking again. SIGNAL RELOAD (SIGHUP) resets the download failures and
// retries at once; re-reading the unchanged torrc is harmless.
func (n *Network) nudge(state []readiness) {
	for i, t := range n.tors {
		r := &state[i]
		if r.ready || r.ctl == nil || time.Since(r.nudged) < nudgeInterval {
			continue
		}
		r.nudged = time.Now()
		if err := r.ctl.signal("RELOAD"); err != nil {
			n.cfg.log.Debug("tornet: SIGNAL RELOAD failed", "tor", t.name, "err", err)
		}
	}
}

// check asks t's control port for its consensus and reports whether it
// lists every relay of the network as Running, and if not, why.
func (n *Network) check(ctx context.Context, t *torProc, r *readiness) (bool, string) {
	if r.ctl == nil {
		c, err := dialControl(ctx, t.ctlPort)
		if err != nil {
			return false, "control port: " + err.Error()
		}
		r.ctl = c
	}
	ns, err := r.ctl.getInfo("ns/all")
	if err != nil {
		r.ctl.Close()
		r.ctl = nil
		return false, "GETINFO ns/all: " + err.Error()
	}
	running := runningRelays(ns)
	listed := 0
	for _, u := range n.tors {
		if running[u.fingerprint] {
			listed++
		}
	}
	if listed < len(n.tors) {
		return false, fmt.Sprintf("its consensus lists %d of %d relays Running", listed, len(n.tors))
	}
	return true, ""
}

// notReadyError reports the end of the wait: ErrNotReady for the start
// timeout, naming the first tor not ready; the caller's cause otherwise.
func (n *Network) notReadyError(ctx context.Context, state []readiness) error {
	cause := context.Cause(ctx)
	if cause != errStartTimeout {
		return fmt.Errorf("tornet: start aborted: %w", cause)
	}
	waiting := 0
	var first *StartError
	for i, t := range n.tors {
		if state[i].ready {
			continue
		}
		waiting++
		if first == nil {
			first = t.startError(ErrNotReady, state[i].reason)
		}
	}
	if first == nil { // unreachable: waitReady returns once all are ready
		return ErrNotReady
	}
	if waiting > 1 {
		first.Detail += fmt.Sprintf(" (and %d more tors not ready)", waiting-1)
	}
	return first
}
