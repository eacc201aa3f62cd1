package tornet

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// Defaults for the zero fields of Config.
const (
	DefaultAuthorities  = 3
	DefaultRelays       = 2
	DefaultStartTimeout = 90 * time.Second
)

// Size limits. With fewer than MinTors relays in total (authorities
// included) onion services never became reachable (tornet.md); MaxTors only
// guards against a typo starting hundreds of processes.
const (
	MinTors = 4
	MaxTors = 32
)

// Phases reported through Config.Progress, in this order.
const (
	PhaseKeys      = "keys"      // Done of Total tors have keys and a fingerprint
	PhaseStarted   = "started"   // Done of Total tor processes (authorities+relays) started
	PhaseConsensus = "consensus" // Done of Total relays list every relay as Running
)

// Config describes a private network. The zero value of every field except
// Dir means its documented default. Start never mutates the Config.
type Config struct {
	// Dir is the work directory. It must not exist or be empty; Start
	// creates it with mode 0700 if needed. Each tor gets Dir/<name>/ (its
	// DataDirectory, mode 0700) holding its torrc and its log, tor.log.
	// Names are auth0, auth1, ... and relay0, relay1, ....
	Dir string
	// Authorities is the number of directory authorities (default 3).
	// Authorities are also relays and exits.
	Authorities int
	// Relays is the number of non-authority relays (default 2). All relays
	// are exits to 127.0.0.0/8 only.
	Relays int
	// TorPath is the tor binary (default: "tor" looked up in PATH).
	// tor-gencert is taken from the same directory, else from PATH.
	TorPath string
	// Logger receives the package's own events and, at Debug, tor's log
	// lines. nil discards.
	Logger *slog.Logger
	// Progress, if set, is called as the network comes up (see the Phase
	// constants). Calls are serialized but may come from goroutines Start
	// owns; they must return quickly.
	Progress func(Progress)
	// StartTimeout bounds the whole Start, key generation included
	// (default 90 s).
	StartTimeout time.Duration

	// Test-only hooks (unexported, set by this package's tests).
	extraTorrc  func(name string) []string // lines appended to a tor's torrc
	afterLaunch func(name string, pid int) // called after each tor process starts
}

// Progress is one step of Start, for a progress bar.
type Progress struct {
	Phase       string
	Done, Total int
}

// settings is a validated Config with defaults applied and binaries resolved.
type settings struct {
	Config
	gencertPath string
	log         *slog.Logger
}

func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c}
	if err := s.applyDefaults(); err != nil {
		return nil, err
	}
	if err := s.findBinaries(); err != nil {
		return nil, err
	}
	s.log = c.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

func (s *settings) applyDefaults() error {
	if s.Dir == "" {
		return fmt.Errorf("%w: Dir is empty", ErrConfig)
	}
	if strings.ContainsFunc(s.Dir, unicode.IsControl) {
		return fmt.Errorf("%w: Dir contains control characters", ErrConfig)
	}
	if s.Authorities < 0 || s.Relays < 0 || s.StartTimeout < 0 {
		return fmt.Errorf("%w: negative Authorities, Relays or StartTimeout", ErrConfig)
	}
	s.Authorities = orDefault(s.Authorities, DefaultAuthorities)
	s.Relays = orDefault(s.Relays, DefaultRelays)
	s.StartTimeout = orDefault(s.StartTimeout, DefaultStartTimeout)
	if n := s.Authorities + s.Relays; n < MinTors || n > MaxTors {
		return fmt.Errorf("%w: %d tors in total, want %d to %d", ErrConfig, n, MinTors, MaxTors)
	}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// findBinaries resolves tor and tor-gencert to absolute paths.
func (s *settings) findBinaries() error {
	tor := orDefault(s.TorPath, "tor")
	p, err := exec.LookPath(tor)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTorNotFound, err)
	}
	if s.TorPath, err = filepath.Abs(p); err != nil {
		return fmt.Errorf("%w: %v", ErrTorNotFound, err)
	}
	sibling := filepath.Join(filepath.Dir(s.TorPath), "tor-gencert")
	if fi, err := os.Stat(sibling); err == nil && !fi.IsDir() {
		s.gencertPath = sibling
		return nil
	}
	if s.gencertPath, err = exec.LookPath("tor-gencert"); err != nil {
		return fmt.Errorf("%w: tor-gencert: %v", ErrTorNotFound, err)
	}
	return nil
}

// prepareDir makes sure dir exists (mode 0700) and is empty. It reports
// whether it created dir.
func prepareDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, fmt.Errorf("tornet: creating work directory: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("tornet: reading work directory: %w", err)
	case len(entries) > 0:
		return false, ErrDirNotEmpty
	}
	return false, nil
}
