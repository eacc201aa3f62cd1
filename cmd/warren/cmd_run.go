package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/onion/tor"
	"github.com/warrennet/warren/overlay/record"
)

// shutdownGrace bounds a graceful shutdown; after it, or a second signal,
// the process exits at once.
const shutdownGrace = 15 * time.Second

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type runFlags struct {
	dir, passFile, listen, logLevel string
	peers                           stringList
	relay, mailbox, validator       bool
	transport, torControl, torPass  string
	torPath, torrc                  string
	onionPort                       int
}

func runFlagSet(e *env) (*flag.FlagSet, *runFlags) {
	f := &runFlags{}
	fs := newFlags(e, "run", "run [--dir DIR] [--passphrase-file FILE] [--listen ADDR] [--peer RECORD]... [--relay] [--mailbox] [--validator]")
	fs.StringVar(&f.dir, "dir", defaultDir(e), "state directory (env WARREN_DIR)")
	fs.StringVar(&f.passFile, "passphrase-file", "", "file holding the passphrase (env WARREN_PASSPHRASE_FILE); default: prompt")
	fs.StringVar(&f.transport, "transport", "onion", "how links travel: onion (Tor onion services) or tcp (plain TCP: peers see your IP address)")
	fs.StringVar(&f.listen, "listen", "", "with --transport tcp: TCP address for inbound links (default: the one used last time, else a free port on 127.0.0.1)")
	fs.StringVar(&f.torControl, "tor-control", "", "attach to a running tor's control port (127.0.0.1:9051 or unix:/path) instead of launching tor")
	fs.StringVar(&f.torPass, "tor-control-password-file", "", "file holding the control-port password (when the tor uses HashedControlPassword)")
	fs.StringVar(&f.torPath, "tor-path", "", "tor binary to launch (default: tor from PATH)")
	fs.StringVar(&f.torrc, "tor-torrc", "", "file of extra torrc lines for the launched tor (e.g. to join a private test network)")
	fs.IntVar(&f.onionPort, "onion-port", daemon.DefaultOnionPort, "virtual port of this node's onion service")
	fs.Var(&f.peers, "peer", "signed peer record (base64, as printed by 'warren id --record') or @FILE; repeatable")
	fs.BoolVar(&f.relay, "relay", false, "announce the relay role")
	fs.BoolVar(&f.mailbox, "mailbox", false, "also serve mailboxes (implies --relay): store other users' sealed messages until they fetch them")
	fs.BoolVar(&f.validator, "validator", false, "validate payments (implies --relay); this node's vote key (warren id --vote-key) must be in the genesis committee")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error (peer addresses and keys appear only at debug)")
	return fs, f
}

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs, f := runFlagSet(e)
	profile, args := cutCPUProfile(args)
	if err := parseRun(fs, args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(profile, f.dir)
	if err != nil {
		return err
	}
	defer stopProfile()
	cfg, err := f.config(e)
	if err != nil {
		return err
	}
	if err := daemon.RequireNode(f.dir); err != nil {
		return err
	}
	pass, err := readPassphrase(e, f.passFile, "Passphrase: ", false)
	if err != nil {
		return err
	}
	cfg.Passphrase = pass
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	fmt.Fprintln(e.stderr, "warren: unlocking and starting...")
	n, err := startInterruptible(ctx, cfg, sig)
	if err != nil {
		return err
	}
	st := n.Status()
	fmt.Fprintf(e.stdout, "warren: node %s running over %s; links on %s; API %s\n", st.NodeID, st.Transport, st.Listen, daemon.SocketPath(f.dir))
	return waitAndStop(e, n, sig)
}

// startInterruptible starts the node; a signal during the start (tor's
// bootstrap can take minutes) cancels it.
func startInterruptible(ctx context.Context, cfg daemon.Config, sig <-chan os.Signal) (*daemon.Node, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		select {
		case <-sig:
			cancel()
		case <-stopWatch:
		}
	}()
	return daemon.Start(ctx, cfg)
}

// cutCPUProfile removes the hidden `--cpuprofile FILE` (or
// --cpuprofile=FILE) from args: a developer's flag (warren bench messages
// uses it), not shown in the help.
func cutCPUProfile(args []string) (string, []string) {
	var file string
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-") || name != "cpuprofile":
			rest = append(rest, a)
		case hasVal:
			file = val
		case i+1 < len(args):
			file = args[i+1]
			i++
		}
	}
	return file, rest
}

// startCPUProfile writes a CPU profile to file (relative to the state
// directory dir) until stop; no file, no profile.
func startCPUProfile(file, dir string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	out, err := os.Create(file)
	if err != nil {
		return nil, usageError{"--cpuprofile: " + err.Error()}
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); out.Close() }, nil
}

func parseRun(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	return noArgs(fs)
}

func (f *runFlags) config(e *env) (daemon.Config, error) {
	level, err := parseLevel(f.logLevel)
	if err != nil {
		return daemon.Config{}, err
	}
	cfg := daemon.Config{
		Dir: f.dir, Listen: f.listen, Version: version, Rand: rand.Reader, Now: time.Now,
		Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})),
	}
	if f.relay {
		cfg.Roles |= record.RoleRelay
	}
	if f.mailbox {
		cfg.Roles |= record.RoleRelay | record.RoleMailbox
	}
	if f.validator {
		cfg.Roles |= record.RoleRelay | record.RoleValidator
	}
	if cfg.Tor, err = f.torConfig(e); err != nil {
		return cfg, err
	}
	for _, p := range f.peers {
		raw, err := peerArg(p)
		if err != nil {
			return cfg, err
		}
		cfg.Peers = append(cfg.Peers, raw)
	}
	return cfg, nil
}

// torConfig turns the tor flags into the daemon's TorConfig (nil for TCP).
func (f *runFlags) torConfig(e *env) (*daemon.TorConfig, error) {
	switch f.transport {
	case "tcp":
		return nil, nil
	case "onion":
	default:
		return nil, usageError{"--transport must be onion or tcp"}
	}
	tc := &daemon.TorConfig{ControlAddr: f.torControl, TorPath: f.torPath, OnionPort: f.onionPort}
	if f.torPass != "" {
		p, err := readPassphraseFile(f.torPass)
		if err != nil {
			return nil, err
		}
		tc.ControlPassword = p
	}
	if f.torrc != "" {
		lines, err := readTorrc(f.torrc)
		if err != nil {
			return nil, err
		}
		tc.ExtraTorrc = lines
	}
	bar := newProgressBar(e.stderr, "tor")
	tc.Progress = func(p tor.Progress) {
		note := p.Summary
		if p.Problem {
			note += " (problem: " + p.Warning + ")"
		}
		bar.Update(p.Percent, 100, note)
		if p.Done() {
			bar.Done()
		}
	}
	return tc, nil
}

// readTorrc reads torrc lines, skipping blanks and comments.
func readTorrc(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{"--tor-torrc: " + err.Error()}
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, usageError{"--log-level: " + err.Error()}
	}
	return l, nil
}

// peerArg decodes a --peer value: base64 text, or @FILE holding it.
func peerArg(v string) ([]byte, error) {
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usageError{"--peer: " + err.Error()}
		}
		v = strings.TrimSpace(string(b))
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) > record.MaxSize {
		return nil, usageError{"--peer: not a peer record (expected the base64 text that 'warren id --record' prints)"}
	}
	return raw, nil
}

// waitAndStop runs until a signal or an API shutdown: the first signal stops
// gracefully, a second one (or shutdownGrace) exits at once.
func waitAndStop(e *env, n *daemon.Node, sig <-chan os.Signal) error {
	select {
	case s := <-sig:
		fmt.Fprintf(e.stderr, "warren: %s: stopping (again to force)\n", s)
	case <-n.Stopping():
		fmt.Fprintln(e.stderr, "warren: stop requested: stopping")
	}
	go n.Close()
	select {
	case <-n.Done():
	case <-sig:
		fmt.Fprintln(e.stderr, "warren: forced exit")
		os.Exit(exitFailure)
	case <-time.After(shutdownGrace):
		fmt.Fprintln(e.stderr, "warren: shutdown took too long: forced exit")
		os.Exit(exitFailure)
	}
	fmt.Fprintln(e.stderr, "warren: stopped")
	return nil
}
