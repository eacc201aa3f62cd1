package tor

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"time"
)

// inspect runs the version guard and finds the SOCKS port; it runs after
// every (re)connection to a new tor.
func (t *Tor) inspect(ctx context.Context) error {
	raw, err := t.getInfo(ctx, infoVersion)
	if err != nil {
		return err
	}
	v, err := CheckVersion(raw)
	if err != nil {
		return err
	}
	socks, err := t.findSocks(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.st.version, t.st.socks = v, socks
	t.mu.Unlock()
	t.refreshVersionStatus(ctx)
	return nil
}

// refreshVersionStatus asks tor what the consensus says of its version
// (meaningful once tor has a consensus) and warns if it is obsolete.
func (t *Tor) refreshVersionStatus(ctx context.Context) {
	vs, err := t.getInfo(ctx, infoVersionCurrent)
	if err != nil {
		t.log.Debug("tor: status/version/current failed", "err", err)
		return
	}
	t.mu.Lock()
	changed := vs != t.st.vstatus
	t.st.vstatus = vs
	v := t.st.version
	t.mu.Unlock()
	if changed {
		logVersionStatus(t.log, v, vs)
	}
}

// findSocks returns the configured SOCKS address (attach mode) or the
// first loopback TCP SOCKS listener tor reports.
func (t *Tor) findSocks(ctx context.Context) (string, error) {
	if t.attach != nil && t.attach.socks != "" {
		return t.attach.socks, nil
	}
	raw, err := t.getInfo(ctx, infoSocksListeners)
	if err != nil {
		return "", err
	}
	return pickSocksListener(raw)
}

// pickSocksListener picks the first loopback TCP address out of GETINFO
// net/listeners/socks (`"127.0.0.1:9050" "unix:/run/tor/socks"`). Pure.
func pickSocksListener(raw string) (string, error) {
	for _, f := range strings.Fields(raw) {
		addr := strings.Trim(f, `"`)
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			continue
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return addr, nil
		}
	}
	return "", fmt.Errorf("%w: tor has no SOCKS port on a loopback address (set SocksAddr)", ErrConfig)
}

// powSupport is what we know about tor's proof-of-work module.
type powSupport int

const (
	powUnknown powSupport = iota // attach mode: we cannot run that tor
	powYes
	powNo
)

// checkPoWModule runs `tor --list-modules` and looks for "pow: yes". The
// pow module is only compiled into tor built with --enable-gpl; without
// it ADD_ONION accepts the PoW keywords and silently ignores them.
func checkPoWModule(ctx context.Context, torPath string) powSupport {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, torPath, "--list-modules").Output()
	if err != nil {
		return powUnknown
	}
	return parseModules(string(out))
}

// parseModules reads `tor --list-modules` output. Pure.
func parseModules(out string) powSupport {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		name, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok && strings.TrimSpace(name) == "pow" {
			if strings.TrimSpace(val) == "yes" {
				return powYes
			}
			return powNo
		}
	}
	return powNo
}

// withDefaultTimeout returns ctx unchanged (with a no-op cancel) if it has
// a deadline, else ctx with timeout d.
func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func orRand(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
