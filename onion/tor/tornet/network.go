package tornet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// startAttempts bounds the restarts after a tor lost a picked port.
const startAttempts = 3

var errStartTimeout = errors.New("tornet: start timeout")

// Network is a running private Tor network. All its methods are safe for
// concurrent use. The zero value is not usable; get one from Start.
type Network struct {
	cfg        *settings
	createdDir bool
	tors       []*torProc // authorities first, then relays
	exited     chan *torProc

	progressMu sync.Mutex // serializes cfg.Progress calls

	// Set by Start before it returns, then read-only.
	clientTorrc []string
	startup     time.Duration

	closeOnce sync.Once
	closeErr  error
	closedMu  sync.Mutex
	closed    bool
}

// Start generates keys, starts the authorities and relays on 127.0.0.1 and
// returns once every relay's own consensus (GETINFO ns/all on its control
// port) lists every relay as Running, so clients and onion services started
// afterwards work. The whole start is bounded by cfg.StartTimeout and by
// ctx; ctx is not used after Start returns. On failure everything started
// is stopped (and Dir removed if Start created it); errors about one tor are
// a *StartError naming it, with the tail of its log. If a tor lost a picked
// port to another process, Start retries with fresh ports (3 attempts).
func Start(ctx context.Context, cfg Config) (*Network, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	created, err := prepareDir(s.Dir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, s.StartTimeout, errStartTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		n, err := startOnce(ctx, s, created)
		var se *StartError
		if err == nil || !errors.As(err, &se) || !se.portInUse() || attempt == startAttempts {
			if err != nil && created {
				os.RemoveAll(s.Dir)
			}
			return n, err
		}
		s.log.Info("tornet: a picked port was taken, restarting with fresh ports", "tor", se.Tor)
		if err := emptyDir(s.Dir); err != nil {
			return nil, err
		}
	}
}

// startOnce is one attempt of Start; on failure it stops what it started.
func startOnce(ctx context.Context, s *settings, created bool) (*Network, error) {
	n, err := newNetwork(s, created)
	if err != nil {
		return nil, err
	}
	if err := n.bringUp(ctx); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

// newNetwork names the tors and assigns their ports and directories.
func newNetwork(s *settings, created bool) (*Network, error) {
	total := s.Authorities + s.Relays
	ports, err := pickPorts(3 * total)
	if err != nil {
		return nil, err
	}
	n := &Network{cfg: s, createdDir: created, exited: make(chan *torProc, total)}
	for i := range total {
		t := &torProc{authority: i < s.Authorities, orPort: ports[3*i], dirPort: ports[3*i+1], ctlPort: ports[3*i+2]}
		t.name = fmt.Sprintf("relay%d", i-s.Authorities)
		if t.authority {
			t.name = fmt.Sprintf("auth%d", i)
		}
		t.dir = filepath.Join(s.Dir, t.name)
		n.tors = append(n.tors, t)
	}
	return n, nil
}

// bringUp runs the phases of tornet.md's recipe: keys, all authorities and
// relays, then the wait for every relay's consensus.
func (n *Network) bringUp(ctx context.Context) error {
	if err := n.makeKeys(ctx); err != nil {
		return err
	}
	common := commonTorrc(n.tors)
	for _, t := range n.tors {
		lines := relayTorrc(common, t, os.Getpid())
		if n.cfg.extraTorrc != nil {
			lines = append(lines, n.cfg.extraTorrc(t.name)...)
		}
		if err := writeTorrc(t.torrcPath(), lines); err != nil {
			return err
		}
	}
	begin := time.Now()
	if err := n.launchAll(); err != nil {
		return err
	}
	if err := n.waitReady(ctx); err != nil {
		return err
	}
	n.startup = time.Since(begin)
	n.clientTorrc = common
	n.cfg.log.Info("tornet: network ready", "tors", len(n.tors), "startup", n.startup)
	return nil
}

func (n *Network) launchAll() error {
	for i, t := range n.tors {
		if err := t.launch(n.cfg.TorPath, n.cfg.log, n.exited); err != nil {
			return err
		}
		if n.cfg.afterLaunch != nil {
			n.cfg.afterLaunch(t.name, t.cmd.Process.Pid)
		}
		n.progress(PhaseStarted, i+1, len(n.tors))
	}
	return nil
}

func (n *Network) progress(phase string, done, total int) {
	if n.cfg.Progress == nil {
		return
	}
	n.progressMu.Lock()
	defer n.progressMu.Unlock()
	n.cfg.Progress(Progress{Phase: phase, Done: done, Total: total})
}

// emptyDir removes everything in dir (used between attempts of a Start that
// found dir empty or created it, so all of it is ours).
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("tornet: cleaning work directory: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("tornet: cleaning work directory: %w", err)
		}
	}
	return nil
}

// ClientTorrc returns the torrc lines ("Key Value") a client or onion
// service host needs to join this network: everything except DataDirectory,
// SocksPort and ControlPort (and Log), which the caller sets. It returns a
// fresh copy.
func (n *Network) ClientTorrc() []string {
	return append([]string(nil), n.clientTorrc...)
}

// StartupTime is the time from the start of the first tor process to every
// relay's consensus being usable (key generation excluded).
func (n *Network) StartupTime() time.Duration { return n.startup }

// PIDs returns the process IDs of the network's tors, authorities first.
// After Close they name processes that no longer exist.
func (n *Network) PIDs() []int {
	pids := make([]int, 0, len(n.tors))
	for _, t := range n.tors {
		pids = append(pids, t.cmd.Process.Pid)
	}
	return pids
}

// Close stops every tor (SIGTERM by PID, SIGKILL after ~5 s) and waits for
// the processes to exit. If Start created Dir, Close removes it; otherwise
// it leaves Dir and everything in it (keys, torrcs, logs) for the caller.
// Close is idempotent; later calls return the first call's result.
func (n *Network) Close() error {
	n.closeOnce.Do(func() {
		n.closedMu.Lock()
		n.closed = true
		n.closedMu.Unlock()
		n.closeErr = n.stop()
		if n.createdDir && n.closeErr == nil {
			if err := os.RemoveAll(n.cfg.Dir); err != nil {
				n.closeErr = fmt.Errorf("tornet: removing work directory: %w", err)
			}
		}
	})
	return n.closeErr
}

// stop stops every started tor and closes their logs.
func (n *Network) stop() error {
	err := stopAll(n.tors, n.cfg.log)
	closeLogs(n.tors)
	return err
}
