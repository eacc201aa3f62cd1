package tor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultStartTimeout bounds Launch (and a watchdog restart's start) when
// the context has no deadline: starting tor and reaching its control port
// takes well under a second; bootstrapping is separate (Bootstrap).
const DefaultStartTimeout = 60 * time.Second

// Files Launch keeps in the DataDir.
const (
	torrcName       = "torrc"
	defaultsName    = "torrc-defaults" // empty: keeps a system torrc-defaults out
	controlPortName = "control-port"
	cookieName      = "control_auth_cookie"
)

// LaunchConfig configures Launch. Launch never modifies it.
type LaunchConfig struct {
	// TorPath is the tor binary; "" means "tor" looked up in PATH.
	TorPath string
	// DataDir is tor's DataDirectory (required). Launch creates it and
	// forces mode 0700 (tor refuses a group-readable one). It keeps tor's
	// state (consensus, guards) across restarts; Launch also writes its
	// torrc, the control-port file and the auth cookie there.
	DataDir string
	// ExtraTorrc lines ("Key value") are added to the torrc: this is how a
	// private test network's ClientTorrc gets in. Lines setting what Launch
	// owns (DataDirectory, SocksPort, ControlPort, ...) are refused.
	ExtraTorrc []string
	// Logger receives this package's events and, at Debug, tor's own log
	// lines (they can hold addresses). nil discards.
	Logger *slog.Logger
	// Rand is the randomness for SAFECOOKIE nonces and isolation
	// credentials; nil means crypto/rand.
	Rand io.Reader
	// Now is the clock for Status and watchdog events; nil means time.Now.
	Now func() time.Time
}

// launchSettings is a validated LaunchConfig.
type launchSettings struct {
	torPath, dataDir string
	extra            []string
}

// ownedKeys are torrc options Launch sets itself; ExtraTorrc may not.
var ownedKeys = []string{
	"DataDirectory", "SocksPort", "ControlPort", "ControlSocket", "ControlPortWriteToFile",
	"CookieAuthFile", "CookieAuthFileGroupReadable", "HashedControlPassword",
	"__OwningControllerProcess", "DisableNetwork", "User", "Sandbox",
}

// sameValueKeys are single-valued options Launch sets that ExtraTorrc may
// repeat with the same value (a private network's client lines do); such
// lines are dropped, any other value is refused.
var sameValueKeys = map[string]string{"CookieAuthentication": "1", "RunAsDaemon": "0"}

// Launch starts the system tor with our own DataDir and torrc: a SOCKS port
// on 127.0.0.1 (auto port, flags ExtendedErrors IsolateSOCKSAuth), a
// control port on 127.0.0.1 (auto port) with cookie authentication, tor's
// output logged at Debug, and __OwningControllerProcess so that tor exits
// if we die. It checks tor's version (the guard: older than MinVersion is
// refused with a *VersionError) and returns once the control port answers;
// call Bootstrap to wait for the network. ctx bounds the start (default
// DefaultStartTimeout) but not the life of tor, which lasts until Close.
func Launch(ctx context.Context, cfg LaunchConfig) (*Tor, error) {
	s, err := newLaunchSettings(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withDefaultTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	t, err := newTor(ModeLaunch, cfg.Logger, cfg.Rand, cfg.Now)
	if err != nil {
		return nil, err
	}
	t.launch = s
	t.powCheck = checkPoWModule(ctx, s.torPath)
	if err := t.startTor(ctx); err != nil {
		_ = t.Close()
		return nil, err
	}
	return t, nil
}

func newLaunchSettings(cfg LaunchConfig) (*launchSettings, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("%w: DataDir is required", ErrConfig)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("%w: DataDir: %w", ErrConfig, err)
	}
	extra, err := filterExtraTorrc(cfg.ExtraTorrc)
	if err != nil {
		return nil, err
	}
	path, err := exec.LookPath(orDefault(cfg.TorPath, "tor"))
	if err != nil {
		return nil, fmt.Errorf("%w: tor binary not found (install tor >= %s): %w", ErrConfig, MinVersion, err)
	}
	if err := prepareDataDir(dir); err != nil {
		return nil, err
	}
	return &launchSettings{torPath: path, dataDir: dir, extra: extra}, nil
}

// prepareDataDir creates dir and forces mode 0700.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: creating DataDir: %w", ErrConfig, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("%w: DataDir mode: %w", ErrConfig, err)
	}
	return nil
}

// filterExtraTorrc refuses lines that could break the torrc (control
// characters) or fight Launch over what it owns, and drops repeats of
// Launch's own single-valued settings. It is pure.
func filterExtraTorrc(lines []string) ([]string, error) {
	var out []string
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n\x00") {
			return nil, fmt.Errorf("%w: ExtraTorrc line with a control character", ErrConfig)
		}
		key, val, _ := strings.Cut(strings.TrimSpace(l), " ")
		for _, k := range ownedKeys {
			if strings.EqualFold(key, k) {
				return nil, fmt.Errorf("%w: ExtraTorrc may not set %s (Launch sets it)", ErrConfig, k)
			}
		}
		if dup, err := sameValueRepeat(key, strings.TrimSpace(val)); err != nil {
			return nil, err
		} else if !dup {
			out = append(out, l)
		}
	}
	return out, nil
}

func sameValueRepeat(key, val string) (bool, error) {
	for k, want := range sameValueKeys {
		if strings.EqualFold(key, k) {
			if val != want {
				return false, fmt.Errorf("%w: ExtraTorrc may set %s only to %s", ErrConfig, k, want)
			}
			return true, nil
		}
	}
	return false, nil
}

// torrc returns the torrc Launch writes. ExtraTorrc comes first, so that
// for single-valued options (CookieAuthentication, ...) our lines, later
// in the file, win.
func (s *launchSettings) torrc(ownerPID int) string {
	lines := append([]string{"# Written by Warren (onion/tor); rewritten at every start."}, s.extra...)
	lines = append(lines,
		"DataDirectory "+torrcQuote(s.dataDir),
		"SocksPort 127.0.0.1:auto ExtendedErrors IsolateSOCKSAuth",
		"ControlPort 127.0.0.1:auto",
		"ControlPortWriteToFile "+torrcQuote(s.path(controlPortName)),
		"CookieAuthentication 1",
		"CookieAuthFile "+torrcQuote(s.path(cookieName)),
		fmt.Sprintf("__OwningControllerProcess %d", ownerPID),
		"RunAsDaemon 0",
		"Log notice stdout",
	)
	return strings.Join(lines, "\n") + "\n"
}

func (s *launchSettings) path(name string) string { return filepath.Join(s.dataDir, name) }

// torrcQuote quotes a torrc value (tor unescapes C-style escapes in a
// value that starts with a double quote).
func torrcQuote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// writeFiles writes the torrc and the empty defaults file and removes a
// stale control-port file (its port would be the last run's).
func (s *launchSettings) writeFiles() error {
	if err := os.WriteFile(s.path(torrcName), []byte(s.torrc(os.Getpid())), 0o600); err != nil {
		return fmt.Errorf("%w: writing torrc: %w", ErrStart, err)
	}
	if err := os.WriteFile(s.path(defaultsName), nil, 0o600); err != nil {
		return fmt.Errorf("%w: writing torrc-defaults: %w", ErrStart, err)
	}
	if err := os.Remove(s.path(controlPortName)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("%w: removing old control-port file: %w", ErrStart, err)
	}
	return nil
}

func (s *launchSettings) args() []string {
	return []string{"-f", s.path(torrcName), "--defaults-torrc", s.path(defaultsName)}
}

// startTor starts a tor process, connects to its control port and checks
// it (version guard, SOCKS port). On error the process is stopped.
func (t *Tor) startTor(ctx context.Context) error {
	s := t.launch
	if err := s.writeFiles(); err != nil {
		return err
	}
	p, err := startProcess(s.torPath, s.args(), t.log)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.proc = p
	t.mu.Unlock()
	t.log.Debug("tor: started", "pid", p.pid())
	if err := t.afterStart(ctx); err != nil {
		_ = p.stop()
		return t.explain(err)
	}
	return nil
}

func (t *Tor) afterStart(ctx context.Context) error {
	if _, err := t.control(ctx); err != nil {
		return err
	}
	return t.inspect(ctx)
}

// connect reads the control port tor wrote and authenticates with the
// cookie in our DataDir.
func (s *launchSettings) connect(ctx context.Context, t *Tor) (*ctrl, error) {
	t.mu.Lock()
	p := t.proc
	t.mu.Unlock()
	b, err := waitForFile(ctx, s.path(controlPortName), p)
	if err != nil {
		return nil, err
	}
	addr, err := parseControlPortFile(string(b))
	if err != nil {
		return nil, err
	}
	c, err := dialControl(ctx, addr)
	if err != nil {
		return nil, err
	}
	if err := c.authenticate(ctx, credentials{cookiePath: s.path(cookieName)}, t.rand); err != nil {
		_ = c.close()
		return nil, err
	}
	return c, nil
}

// parseControlPortFile parses what ControlPortWriteToFile writes:
// "PORT=127.0.0.1:9051\n". It is pure.
func parseControlPortFile(s string) (string, error) {
	addr, ok := strings.CutPrefix(strings.TrimSuffix(s, "\n"), "PORT=")
	if !ok || strings.ContainsAny(addr, " \n") || !strings.HasPrefix(addr, "127.0.0.1:") {
		return "", fmt.Errorf("%w: unexpected control-port file", ErrStart)
	}
	return addr, nil
}

// Restart stops the launched tor and starts a new one in the same
// DataDir, waits for it to bootstrap and publishes our onion services
// again (same keys, same addresses). ctx bounds all of it. It is what the
// watchdog does when re-publishing did not help; ErrNotLaunched in attach
// mode.
func (t *Tor) Restart(ctx context.Context) error {
	if t.mode != ModeLaunch {
		return ErrNotLaunched
	}
	if t.isClosed() {
		return ErrClosed
	}
	t.mu.Lock()
	old := t.proc
	t.mu.Unlock()
	if old != nil {
		_ = old.stop()
	}
	t.setCtrl(nil)
	if err := t.startTor(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	t.st.restarts++
	t.mu.Unlock()
	if err := t.Bootstrap(ctx, nil); err != nil {
		return err
	}
	return t.Republish(ctx)
}
