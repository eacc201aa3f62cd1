package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/store"
)

// demoWaits bounds the demo's waits: every wait has a deadline. Over Tor a
// node's start includes its tor's bootstrap and publishing its onion
// service, and a first link includes building circuits to the peer's.
type demoWaits struct{ start, link time.Duration }

var (
	demoTCPWaits = demoWaits{start: 30 * time.Second, link: 30 * time.Second}
	demoTorWaits = demoWaits{start: 3 * time.Minute, link: 3 * time.Minute}
)

const demoStopTimeout = 20 * time.Second

// demoNode is one warren process started by the demo.
type demoNode struct {
	name, dir, pass, log string
	id                   string // node ID, once running
	args                 []string
	stopped              bool // stopped on purpose (and not restarted)
	cmd                  *exec.Cmd
	exited               chan error
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--nodes N] [--transport onion|tcp] [--keep]")
	count := fs.Int("nodes", 5, "number of nodes (at least 4 for 3-hop circuits; 5 for messaging: with user b offline, user a still needs a guard, a middle and a mailbox relay)")
	transport := fs.String("transport", "onion", "onion: nodes are onion services on a private Tor network started for the demo; tcp: plain loopback TCP")
	keep := fs.Bool("keep", false, "keep the demo's state directories and logs")
	kdfMiB := fs.Uint("kdf-memory", 0, "argon2id memory in MiB for the demo nodes (0 = default)")
	kdfTime := fs.Uint("kdf-time", 0, "argon2id passes for the demo nodes (0 = default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *count < 2 || *count > 16 {
		return usageError{"--nodes must be between 2 and 16"}
	}
	if *transport != "onion" && *transport != "tcp" {
		return usageError{"--transport must be onion or tcp"}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	root, err := os.MkdirTemp("", "warren-demo-")
	if err != nil {
		return err
	}
	waits := demoTCPWaits
	if *transport == "onion" {
		waits = demoTorWaits
	}
	kdf, _, err := kdfParams(*kdfMiB, *kdfTime)
	if err != nil {
		return err
	}
	runArgs, closeNet, err := demoTransport(ctx, e, "demo", root, *transport, *count)
	defer closeNet()
	var nodes []*demoNode
	var dl *demoLedger
	if err == nil {
		nodes, dl, err = demoInit(ctx, e, root, *count, kdf)
	}
	if err == nil {
		err = demoRun(ctx, e, nodes, dl, runArgs, waits)
	}
	stopErr := demoStop(e, "demo", nodes)
	if err == nil {
		err = stopErr
	}
	if err != nil {
		demoShowLogs(e, nodes)
	}
	if !*keep && err == nil {
		os.RemoveAll(root)
	}
	return err
}

// demoInit writes the demo's genesis (validators and the users' genesis
// coins: demoGenesis) and creates each node's state directory with a
// throwaway passphrase.
func demoInit(ctx context.Context, e *env, root string, count int, kdf store.KDFParams) ([]*demoNode, *demoLedger, error) {
	g, keys, votes, dl, err := demoGenesis(count)
	if err != nil {
		return nil, nil, err
	}
	file, err := g.MarshalFile()
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "genesis.json"), file, 0o644); err != nil {
		return nil, nil, err
	}
	nodes := make([]*demoNode, count)
	for i := range nodes {
		name := nodeName(i)
		n := &demoNode{name: name, dir: filepath.Join(root, name), pass: filepath.Join(root, name+".pass"), log: filepath.Join(root, name+".log")}
		secret := make([]byte, 16)
		rand.Read(secret)
		pass := []byte(hex.EncodeToString(secret))
		if err := os.WriteFile(n.pass, append(pass, '\n'), 0o600); err != nil {
			return nil, nil, err
		}
		id, err := daemon.Init(ctx, daemon.InitConfig{Dir: n.dir, Passphrase: pass, KDF: kdf, Genesis: g,
			Keys: keys[i], VoteKey: votes[i], Rand: rand.Reader, Now: time.Now})
		if err != nil {
			return nil, nil, fmt.Errorf("init node %s: %w", name, err)
		}
		fmt.Fprintf(e.stdout, "demo: node %s created: node %s\n", name, id.Onion())
		nodes[i] = n
	}
	return nodes, dl, nil
}

// demoRun starts the nodes, shows their status, and has them do the
// demo's work: circuits, then private messages.
func demoRun(ctx context.Context, e *env, nodes []*demoNode, dl *demoLedger, runArgs []string, waits demoWaits) error {
	if err := demoStartAll(ctx, e.stdout, nodes, dl, runArgs, waits); err != nil {
		return err
	}
	for _, n := range nodes {
		fmt.Fprintf(e.stdout, "\n$ warren status --dir %s\n", n.dir)
		out, err := selfCmd(ctx, "status", "--dir", n.dir).Output()
		if err != nil {
			return fmt.Errorf("status of node %s: %w", n.name, exitDetail(err))
		}
		e.stdout.Write(out)
	}
	if err := demoCircuits(ctx, e, nodes); err != nil {
		return err
	}
	if err := demoMessages(ctx, e, nodes, waits); err != nil {
		return err
	}
	return demoPayment(ctx, e, nodes, dl)
}

// demoStartAll starts the nodes one by one, each told the records of
// those before it (nodes c and d also serve mailboxes), then waits until
// every node has a link to every other.
func demoStartAll(ctx context.Context, w io.Writer, nodes []*demoNode, dl *demoLedger, runArgs []string, waits demoWaits) error {
	var records []string
	for i, n := range nodes {
		args := append([]string{"run", "--dir", n.dir, "--passphrase-file", n.pass, "--log-level", "warn", "--relay"}, runArgs...)
		if i == 2 || i == 3 {
			args = append(args, "--mailbox") // users a and b keep their mailboxes on others' relays
		}
		if dl != nil && dl.validators[i] {
			args = append(args, "--validator")
		}
		for _, r := range records {
			args = append(args, "--peer", r)
		}
		n.args = args
		if err := n.start(ctx, args, waits.start); err != nil {
			return err
		}
		info, err := daemon.ReadInfo(ctx, n.dir)
		if err != nil {
			return err
		}
		records = append(records, base64.RawURLEncoding.EncodeToString(info.Record))
		n.id = info.NodeID.String()
		fmt.Fprintf(w, "demo: node %s running (%d peer records given)\n", n.name, len(records)-1)
	}
	return demoAwaitLinks(ctx, w, nodes, waits.link)
}

func (n *demoNode) start(ctx context.Context, args []string, timeout time.Duration) error {
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	n.cmd = selfCmd(context.WithoutCancel(ctx), args...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // our Ctrl-C is for the demo
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start node %s: %w", n.name, err)
	}
	n.exited = make(chan error, 1)
	go func() { n.exited <- n.cmd.Wait(); logf.Close() }()
	return waitFor(ctx, timeout, "node "+n.name+" to answer on its API", func() (bool, error) {
		select {
		case err := <-n.exited:
			n.exited <- err
			return false, fmt.Errorf("node %s exited during start: %v", n.name, err)
		default:
		}
		_, err := api.NewClient(daemon.SocketPath(n.dir)).Status(ctx)
		return err == nil, nil
	})
}

func demoAwaitLinks(ctx context.Context, w io.Writer, nodes []*demoNode, timeout time.Duration) error {
	want := len(nodes) - 1
	start := time.Now()
	err := waitFor(ctx, timeout, "every node to link to every other", func() (bool, error) {
		for _, n := range nodes {
			st, err := api.NewClient(daemon.SocketPath(n.dir)).Status(ctx)
			if err != nil || countMeasured(st) < want {
				return false, nil
			}
		}
		return true, nil
	})
	if err == nil {
		fmt.Fprintf(w, "demo: all %d nodes linked pairwise over Noise and measured each link's round trip %s after the last one started\n", len(nodes), time.Since(start).Round(time.Millisecond))
	}
	return err
}

// countMeasured counts authenticated links whose round trip was measured.
func countMeasured(st api.Status) int {
	c := 0
	for _, l := range st.Links {
		if l.Authenticated && l.RTTMillis > 0 {
			c++
		}
	}
	return c
}

// demoStop asks every running node to stop and checks that each exits 0.
func demoStop(e *env, who string, nodes []*demoNode) error {
	var errs []error
	for _, n := range nodes {
		if n == nil || n.cmd == nil || n.stopped {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), demoStopTimeout)
		if err := api.NewClient(daemon.SocketPath(n.dir)).Shutdown(ctx); err != nil {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case err := <-n.exited:
			if err != nil {
				errs = append(errs, fmt.Errorf("node %s: %v", n.name, err))
			}
		case <-ctx.Done():
			n.cmd.Process.Kill()
			errs = append(errs, fmt.Errorf("node %s did not stop within %s", n.name, demoStopTimeout))
		}
		cancel()
	}
	if len(errs) == 0 {
		fmt.Fprintf(e.stdout, "\n%s: all nodes stopped cleanly\n", who)
	}
	return errors.Join(errs...)
}

func demoShowLogs(e *env, nodes []*demoNode) {
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if b, err := os.ReadFile(n.log); err == nil && len(b) > 0 {
			fmt.Fprintf(e.stderr, "--- log of node %s ---\n%s", n.name, tail(b, 4000))
		}
	}
}

// selfCmd runs this same binary with args. argv[0] stays "warren" so that
// the binary behaves as warren even when it is a test binary.
func selfCmd(ctx context.Context, args ...string) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	c := exec.CommandContext(ctx, self, args...)
	c.Args[0] = "warren"
	c.Env = append(os.Environ(), "WARREN_PASSPHRASE_FILE=")
	return c
}

// waitFor polls cond every 100 ms until it holds, fails, or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%v: %s", err, firstLine(ee.Stderr))
	}
	return err
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i+1])
		}
	}
	return string(b) + "\n"
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// demoCircuits has every node echo 64 KiB through a 3-hop circuit to
// another node's echo service, then shows one node's circuits.
func demoCircuits(ctx context.Context, e *env, nodes []*demoNode) error {
	if len(nodes) < 4 {
		fmt.Fprintf(e.stdout, "\ndemo: %d nodes are too few for 3-hop circuits (a client needs three other relays); skipping them\n", len(nodes))
		return nil
	}
	if err := demoAwaitBooks(ctx, nodes, 60*time.Second); err != nil {
		return err
	}
	for i, n := range nodes {
		dest := nodes[(i+2)%len(nodes)]
		fmt.Fprintf(e.stdout, "\n$ warren circuits echo --dir %s %s   # node %s → node %s\n", n.dir, dest.id, n.name, dest.name)
		out, err := selfCmd(ctx, "circuits", "echo", "--dir", n.dir, dest.id).Output()
		if err != nil {
			return fmt.Errorf("circuit from node %s to node %s: %w", n.name, dest.name, exitDetail(err))
		}
		e.stdout.Write(out)
	}
	fmt.Fprintf(e.stdout, "\n$ warren circuits --dir %s\n", nodes[0].dir)
	out, err := selfCmd(ctx, "circuits", "--dir", nodes[0].dir).Output()
	if err != nil {
		return fmt.Errorf("circuits of node %s: %w", nodes[0].name, exitDetail(err))
	}
	e.stdout.Write(out)
	return nil
}

// demoAwaitBooks waits until every node's address book holds every other
// node (their records come by gossip once linked): paths are drawn from it.
func demoAwaitBooks(ctx context.Context, nodes []*demoNode, timeout time.Duration) error {
	return waitFor(ctx, timeout, "every node's address book holds every other node", func() (bool, error) {
		for _, n := range nodes {
			list, err := api.NewClient(daemon.SocketPath(n.dir)).Peers(ctx)
			if err != nil {
				return false, err
			}
			if len(list) < len(nodes)-1 {
				return false, nil
			}
		}
		return true, nil
	})
}
