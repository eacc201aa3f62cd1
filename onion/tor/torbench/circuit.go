package torbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// relayPoll spaces the checks of the client's view of the relays.
const relayPoll = 250 * time.Millisecond

// errBuildFailed: tor reported our circuit FAILED or CLOSED before BUILT.
var errBuildFailed = errors.New("torbench: circuit failed")

// path is a 3-hop path: guard, middle, exit (hex fingerprints).
type path [3]string

func (p path) spec() string { return "$" + p[0] + ",$" + p[1] + ",$" + p[2] }

// waitRelays polls the client until its consensus lists want relays as
// Running and it has the microdescriptor of each (EXTENDCIRCUIT needs
// it), and returns their fingerprints, sorted.
func (c *ctl) waitRelays(ctx context.Context, want int) ([]string, error) {
	var last string
	for {
		fps, why, err := c.knownRelays(ctx, want)
		if err != nil {
			return nil, err
		}
		if why == "" {
			return fps, nil
		}
		last = why
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %s: %w", ErrRelays, last, ctx.Err())
		case <-time.After(relayPoll):
		}
	}
}

// knownRelays checks the client's view once; why says what is missing.
func (c *ctl) knownRelays(ctx context.Context, want int) (fps []string, why string, err error) {
	ns, err := c.getInfo(ctx, "ns/all")
	if err != nil {
		return nil, "", err
	}
	fps = runningRelays(ns)
	if len(fps) != want {
		return nil, fmt.Sprintf("its consensus lists %d of %d relays Running", len(fps), want), nil
	}
	for _, fp := range fps {
		if _, err := c.getInfo(ctx, "md/id/"+fp); err != nil {
			if ctx.Err() != nil {
				return nil, "", err
			}
			return nil, "a relay's microdescriptor is missing", nil
		}
	}
	return fps, "", nil
}

// orderedPaths returns every ordered triple of distinct relays, arranged
// so that consecutive paths start at different relays: the k-th path of
// each first hop's group (in lexicographic order), group after group.
func orderedPaths(relays []string) []path {
	groups := make([][]path, len(relays))
	for i, a := range relays {
		for j, m := range relays {
			for k, e := range relays {
				if i != j && j != k && i != k {
					groups[i] = append(groups[i], path{a, m, e})
				}
			}
		}
	}
	var out []path
	for k := 0; len(groups) > 0 && k < len(groups[0]); k++ {
		for _, g := range groups {
			out = append(out, g[k])
		}
	}
	return out
}

// build asks tor for a circuit on p and waits for it to be BUILT. It
// returns the circuit's ID and the time from sending EXTENDCIRCUIT to
// reading the BUILT event for that ID; events of other circuits (tor's
// own) are skipped. The caller must have subscribed to CIRC events.
func (c *ctl) build(ctx context.Context, p path) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	begin := time.Now()
	resp, err := c.do(ctx, "EXTENDCIRCUIT 0 "+p.spec())
	if err != nil {
		return "", 0, err
	}
	id, ok := parseExtended(resp.Reply)
	if !ok {
		return "", 0, fmt.Errorf("%w: EXTENDCIRCUIT: unexpected reply", ErrControl)
	}
	for {
		e, err := c.nextEvent(ctx)
		if err != nil {
			return id, 0, fmt.Errorf("%w: waiting for BUILT: %w", ErrBuild, err)
		}
		ev, ok := parseCirc(e.line)
		if !ok || ev.id != id {
			continue
		}
		switch ev.status {
		case "BUILT":
			if !slices.Equal(ev.path, p[:]) {
				return id, 0, fmt.Errorf("%w: tor built a different path than requested", ErrBuild)
			}
			return id, e.at.Sub(begin), nil
		case "FAILED", "CLOSED":
			return id, 0, fmt.Errorf("%w (%s)", errBuildFailed, reason(e.line))
		}
	}
}

// reason returns the REASON= value of an event line, or "no reason".
func reason(line string) string {
	for f := range strings.FieldsSeq(line) {
		if v, ok := strings.CutPrefix(f, "REASON="); ok {
			return v
		}
	}
	return "no reason"
}

// closeCircuit asks tor to close circuit id; a failure is only logged
// (tor may have closed it already).
func (c *ctl) closeCircuit(ctx context.Context, id string) {
	if _, err := c.do(ctx, "CLOSECIRCUIT "+id); err != nil {
		c.log.Debug("torbench: CLOSECIRCUIT failed", "err", err)
	}
}

// measureBuilds times b.s.Builds circuit builds, taking paths in turn
// (path i mod len(paths)) and closing each circuit once built. A build
// tor reports FAILED is counted and retried on the next path; more than
// maxFailures(n) of them fail the measurement.
func (b *bench) measureBuilds(ctx context.Context, paths []path) ([]time.Duration, int, error) {
	if _, err := b.ctl.do(ctx, "SETEVENTS CIRC"); err != nil {
		return nil, 0, err
	}
	n := b.s.Builds
	builds := make([]time.Duration, 0, n)
	failures := 0
	for i := 0; len(builds) < n; i++ {
		id, took, err := b.ctl.build(ctx, paths[i%len(paths)])
		if id != "" {
			b.ctl.closeCircuit(ctx, id)
		}
		switch {
		case errors.Is(err, errBuildFailed) && failures < maxFailures(n):
			failures++
			b.s.log.Info("torbench: a circuit build failed; trying the next path", "err", err)
			continue
		case errors.Is(err, errBuildFailed):
			return nil, failures, fmt.Errorf("%w: %d builds failed: %w", ErrBuild, failures+1, err)
		case err != nil:
			return nil, failures, err
		}
		b.s.log.Debug("torbench: circuit built", "n", len(builds)+1, "took", took)
		builds = append(builds, took)
	}
	return builds, failures, nil
}

// maxFailures is how many failed builds n builds tolerate.
func maxFailures(n int) int { return max(5, n/4) }
