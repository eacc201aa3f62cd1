package tor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Progress is tor's bootstrap state as GETINFO status/bootstrap-phase
// reports it. The zero Progress means "nothing known yet".
type Progress struct {
	// Percent is PROGRESS, 0-100; 100 means tor can build circuits.
	Percent int
	// Tag and Summary name the phase ("done", "Done").
	Tag, Summary string
	// Problem is set when tor reports the phase at WARN or ERR severity;
	// Warning and Reason then say what is wrong ("Connection refused",
	// "CONNECTREFUSED"). Tor keeps retrying after a problem.
	Problem         bool
	Warning, Reason string
}

// Done reports whether bootstrapping is complete.
func (p Progress) Done() bool { return p.Percent == 100 }

const (
	maxPhaseLen         = 4096
	bootstrapPoll       = 250 * time.Millisecond
	bootstrapKeyword    = "BOOTSTRAP"
	infoBootstrapPhase  = "status/bootstrap-phase"
	infoVersion         = "version"
	infoVersionCurrent  = "status/version/current"
	infoSocksListeners  = "net/listeners/socks"
	maxBootstrapPercent = 100
)

var errPhase = errors.New("tor: malformed bootstrap phase")

// ParseBootstrapPhase parses the value of GETINFO status/bootstrap-phase,
// e.g. `NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"` or
// `WARN BOOTSTRAP PROGRESS=10 TAG=conn_done SUMMARY="..." WARNING="..."
// REASON=TIMEOUT COUNT=2 RECOMMENDATION=ignore HOSTADDR="..."`. Unknown
// keywords (HOSTADDR, HOSTID, COUNT, ...) are skipped, so no address ends up
// in a Progress. It is pure.
func ParseBootstrapPhase(s string) (Progress, error) {
	if len(s) > maxPhaseLen {
		return Progress{}, errPhase
	}
	sev, rest, _ := strings.Cut(s, " ")
	kw, rest, _ := strings.Cut(rest, " ")
	if kw != bootstrapKeyword {
		return Progress{}, errPhase
	}
	problem, err := phaseSeverity(sev)
	if err != nil {
		return Progress{}, err
	}
	args, err := splitKeywordArgs(rest)
	if err != nil {
		return Progress{}, err
	}
	return progressFromArgs(args, problem)
}

func phaseSeverity(sev string) (problem bool, err error) {
	switch sev {
	case "NOTICE":
		return false, nil
	case "WARN", "ERR":
		return true, nil
	}
	return false, errPhase
}

func progressFromArgs(args map[string]string, problem bool) (Progress, error) {
	pct, ok := args["PROGRESS"]
	if !ok || args["TAG"] == "" {
		return Progress{}, errPhase
	}
	n, err := parseVersionPart(pct) // digits, no leading zeros, bounded
	if err != nil || n > maxBootstrapPercent {
		return Progress{}, errPhase
	}
	p := Progress{Percent: n, Tag: args["TAG"], Summary: args["SUMMARY"], Problem: problem}
	if problem {
		p.Warning, p.Reason = args["WARNING"], args["REASON"]
	}
	return p, nil
}

// splitKeywordArgs parses `KEY=value KEY="quoted \"value\""` lists, as the
// control protocol writes them. Duplicate keys are refused.
func splitKeywordArgs(s string) (map[string]string, error) {
	args := make(map[string]string)
	for s != "" {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || !validKeyword(key) {
			return nil, errPhase
		}
		val, rest, err := cutArgValue(rest)
		if err != nil {
			return nil, err
		}
		if _, dup := args[key]; dup {
			return nil, errPhase
		}
		args[key] = val
		s = rest
	}
	return args, nil
}

func validKeyword(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if (k[i] < 'A' || k[i] > 'Z') && k[i] != '_' {
			return false
		}
	}
	return true
}

// cutArgValue takes one value (bare or quoted) off the front of s and
// returns it and what follows its separating space.
func cutArgValue(s string) (val, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		val, rest, found := strings.Cut(s, " ")
		if strings.ContainsRune(val, '"') || (found && rest == "") {
			return "", "", errPhase
		}
		return val, rest, nil
	}
	return cutQuoted(s[1:])
}

func cutQuoted(s string) (val, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", "", errPhase
			}
			i++
			b.WriteByte(s[i])
		case '"':
			rest, err := afterQuoted(s[i+1:])
			if err != nil {
				return "", "", err
			}
			return b.String(), rest, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errPhase
}

// afterQuoted checks that a closing quote ends the input or is followed by
// one space and more arguments.
func afterQuoted(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if s[0] != ' ' || len(s) == 1 {
		return "", errPhase
	}
	return s[1:], nil
}

// Bootstrap waits until tor reports PROGRESS=100, calling report (if not
// nil) with every change of the phase, including problems tor reports
// while it retries. It returns ctx's error when ctx ends first (the
// deadline always comes from ctx), ErrExited when a launched tor dies, and
// ErrControl when the control connection fails. report is called from the
// calling goroutine.
func (t *Tor) Bootstrap(ctx context.Context, report func(Progress)) error {
	var last Progress
	first := true
	for {
		p, err := t.pollBootstrap(ctx)
		if err != nil {
			return err
		}
		if first || p != last {
			first, last = false, p
			if report != nil {
				report(p)
			}
		}
		if p.Done() {
			t.refreshVersionStatus(ctx)
			return nil
		}
		if err := t.sleep(ctx, bootstrapPoll); err != nil {
			return err
		}
	}
}

// pollBootstrap asks tor for its bootstrap phase once and records it.
func (t *Tor) pollBootstrap(ctx context.Context) (Progress, error) {
	if err := ctx.Err(); err != nil {
		return Progress{}, err
	}
	v, err := t.getInfo(ctx, infoBootstrapPhase)
	if err != nil {
		return Progress{}, t.explain(err)
	}
	p, err := ParseBootstrapPhase(v)
	if err != nil {
		return Progress{}, fmt.Errorf("%w: %w", ErrControl, err)
	}
	t.mu.Lock()
	t.st.progress = p
	t.mu.Unlock()
	return p, nil
}

// sleep waits d, or until ctx ends, the Tor closes or its process exits.
func (t *Tor) sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.closing:
		return ErrClosed
	case <-t.exited():
		return t.procError()
	case <-timer.C:
		return nil
	}
}
