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
	"strings"
	"syscall"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
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
	relay                           bool
}

func runFlagSet(e *env) (*flag.FlagSet, *runFlags) {
	f := &runFlags{}
	fs := newFlags(e, "run", "run [--dir DIR] [--passphrase-file FILE] [--listen ADDR] [--peer RECORD]... [--relay]")
	fs.StringVar(&f.dir, "dir", defaultDir(e), "state directory (env WARREN_DIR)")
	fs.StringVar(&f.passFile, "passphrase-file", "", "file holding the passphrase (env WARREN_PASSPHRASE_FILE); default: prompt")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "TCP address for inbound links")
	fs.Var(&f.peers, "peer", "signed peer record (base64, as printed by 'warren id --record') or @FILE; repeatable")
	fs.BoolVar(&f.relay, "relay", false, "announce the relay role")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error (peer addresses and keys appear only at debug)")
	return fs, f
}

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs, f := runFlagSet(e)
	if err := parseRun(fs, args); err != nil {
		return err
	}
	cfg, err := f.config(e)
	if err != nil {
		return err
	}
	pass, err := readPassphrase(e, f.passFile, "Passphrase: ", false)
	if err != nil {
		return err
	}
	cfg.Passphrase = pass
	fmt.Fprintln(e.stderr, "warren: unlocking...")
	n, err := daemon.Start(ctx, cfg)
	if err != nil {
		return err
	}
	st := n.Status()
	fmt.Fprintf(e.stdout, "warren: node %s running; links on %s; API %s\n", st.NodeID, st.Listen, daemon.SocketPath(f.dir))
	return waitAndStop(e, n)
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
	for _, p := range f.peers {
		raw, err := peerArg(p)
		if err != nil {
			return cfg, err
		}
		cfg.Peers = append(cfg.Peers, raw)
	}
	return cfg, nil
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
func waitAndStop(e *env, n *daemon.Node) error {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
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
