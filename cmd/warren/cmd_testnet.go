package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
	"github.com/warrennet/warren/store"
)

// testnetBootstrap is how many of a testnet's nodes the genesis names as
// bootstrap peers; the others find everyone through gossip.
const testnetBootstrap = 2

// testnetKDF makes a testnet's throwaway vaults quick to unlock: their
// passphrases are random and sit beside them in the clear anyway.
var testnetKDF = store.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

func cmdTestnet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "testnet", "testnet [-n N] [--tor] [--dir DIR] [--for DURATION] [--keep]")
	count := fs.Int("n", 5, "number of nodes (2-32; with 5 or more, nodes n02-n05 validate payments and every wallet gets demo coins)")
	useTor := fs.Bool("tor", false, "make the nodes onion services on a private Tor network (needs tor); default loopback TCP")
	root := fs.String("dir", "", "put the nodes' state here (default: a new temporary directory)")
	dur := fs.Duration("for", 0, "stop after this long (default: run until Ctrl-C)")
	keep := fs.Bool("keep", false, "keep the state directories and logs")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *count < 2 || *count > 32 {
		return usageError{"-n must be between 2 and 32"}
	}
	if *dur < 0 {
		return usageError{"--for must not be negative"}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	dir, err := testnetDir(*root)
	if err != nil {
		return err
	}
	tn := &testnet{e: e, root: dir, count: *count, tor: *useTor}
	err = tn.run(ctx, *dur)
	if err != nil {
		demoShowLogs(e, tn.nodes)
	}
	if !*keep && err == nil && *root == "" {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(e.stdout, "testnet: state and logs kept under %s\n", dir)
	}
	return err
}

func testnetDir(root string) (string, error) {
	if root == "" {
		return os.MkdirTemp("", "warren-testnet-")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	if entries, _ := os.ReadDir(root); len(entries) > 0 {
		return "", usageError{"--dir must be empty or missing"}
	}
	return root, nil
}

// testnet is one `warren testnet` run.
type testnet struct {
	e      *env
	root   string
	count  int
	tor    bool
	nodes  []*demoNode
	ids    []identity.NodeID
	ledger *testnetLedger // nil: no payments (fewer than testnetMinNodes)
}

func (t *testnet) run(ctx context.Context, dur time.Duration) error {
	transport := "tcp"
	if t.tor {
		transport = "onion"
	}
	runArgs, closeNet, err := demoTransport(ctx, t.e, "testnet", t.root, transport, t.count)
	defer closeNet()
	if err != nil {
		return err
	}
	waits := demoTCPWaits
	if t.tor {
		waits = demoTorWaits
	}
	listen, err := t.create(ctx)
	if err == nil {
		err = t.start(ctx, runArgs, listen, waits)
	}
	if err == nil {
		err = t.awaitGossip(ctx, waits.link)
	}
	if err == nil {
		err = t.restoreWallets(ctx)
	}
	if err == nil {
		t.printTable(ctx)
		err = t.hold(ctx, dur)
	}
	stopErr := demoStop(t.e, "testnet", t.nodes)
	if err == nil {
		err = stopErr
	}
	return err
}

// create makes every node's keys, the genesis naming the first
// testnetBootstrap nodes, and each node's state directory.
func (t *testnet) create(ctx context.Context) ([]string, error) {
	keys := make([]*identity.Keyring, t.count)
	listen := make([]string, t.count)
	g := &genesis.Genesis{Name: "warren-testnet-" + randomHex(4), Created: time.Now().Truncate(time.Second)}
	for i := range keys {
		kr, err := identity.Generate(rand.Reader, time.Now())
		if err != nil {
			return nil, err
		}
		keys[i] = kr
		t.ids = append(t.ids, kr.NodeID())
		addr, err := t.nodeAddr(kr.NodeID(), &listen[i])
		if err != nil {
			return nil, err
		}
		if i < testnetBootstrap {
			g.Bootstrap = append(g.Bootstrap, genesis.Peer{NodeID: kr.NodeID(), LinkKey: kr.LinkPublic(), Addrs: []record.Addr{addr}})
		}
	}
	var err error
	if t.ledger, err = t.addLedger(g, keys); err != nil {
		return nil, err
	}
	if err := t.writeGenesis(g); err != nil {
		return nil, err
	}
	for i, kr := range keys {
		if err := t.initNode(ctx, i, kr, g); err != nil {
			return nil, err
		}
	}
	return listen, nil
}

// nodeAddr is the address a node will be reached at: a free loopback port
// for TCP (written to listen), its onion address otherwise.
func (t *testnet) nodeAddr(id identity.NodeID, listen *string) (record.Addr, error) {
	if t.tor {
		return record.OnionAddr(id, daemon.DefaultOnionPort), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return record.Addr{}, err
	}
	*listen = ln.Addr().String()
	ln.Close()
	return record.TCPAddr(netip.MustParseAddrPort(*listen)), nil
}

func (t *testnet) writeGenesis(g *genesis.Genesis) error {
	file, err := g.MarshalFile()
	if err != nil {
		return err
	}
	id, err := g.ID()
	if err != nil {
		return err
	}
	path := filepath.Join(t.root, "genesis.json")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(t.e.stdout, "testnet: genesis %s (network %s, ID %x…), %d bootstrap nodes\n", path, g.Name, id[:8], len(g.Bootstrap))
	return nil
}

func (t *testnet) initNode(ctx context.Context, i int, kr *identity.Keyring, g *genesis.Genesis) error {
	name := testnetName(i)
	n := &demoNode{name: name, dir: filepath.Join(t.root, name), pass: filepath.Join(t.root, name+".pass"), log: filepath.Join(t.root, name+".log")}
	pass := []byte(randomHex(16))
	if err := os.WriteFile(n.pass, append(pass, '\n'), 0o600); err != nil {
		return err
	}
	_, err := daemon.Init(ctx, daemon.InitConfig{
		Dir: n.dir, Passphrase: pass, KDF: testnetKDF, Genesis: g, Keys: kr, Rand: rand.Reader, Now: time.Now,
		VoteKey: t.voteKey(i),
	})
	if err != nil {
		return fmt.Errorf("init node %s: %w", name, err)
	}
	t.nodes = append(t.nodes, n)
	return nil
}

// voteKey is node i's vote key: the genesis's for a validator, nil (Init
// draws one) for the others.
func (t *testnet) voteKey(i int) ed25519.PrivateKey {
	if t.ledger == nil {
		return nil
	}
	return t.ledger.votes[i]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// start runs every node's daemon.
func (t *testnet) start(ctx context.Context, runArgs, listen []string, waits demoWaits) error {
	for i, n := range t.nodes {
		args := append([]string{"run", "--dir", n.dir, "--passphrase-file", n.pass, "--log-level", "warn", "--relay"}, runArgs...)
		if listen[i] != "" {
			args = append(args, "--listen", listen[i])
		}
		if t.ledger.validates(i) {
			args = append(args, "--validator")
		}
		if err := n.start(ctx, args, waits.start); err != nil {
			return err
		}
	}
	fmt.Fprintf(t.e.stdout, "testnet: %d nodes running\n", len(t.nodes))
	return nil
}

// awaitGossip waits until every node's address book holds every other
// node's record, learnt through gossip from the bootstrap nodes.
func (t *testnet) awaitGossip(ctx context.Context, timeout time.Duration) error {
	start := time.Now()
	err := waitFor(ctx, timeout, "every node to learn every record through gossip", func() (bool, error) {
		for _, n := range t.nodes {
			list, err := api.NewClient(daemon.SocketPath(n.dir)).Peers(ctx)
			if err != nil || len(list) < len(t.nodes)-1 {
				return false, nil
			}
		}
		return true, nil
	})
	if err == nil {
		fmt.Fprintf(t.e.stdout, "testnet: every node knows all %d records %s after the last node started\n", len(t.nodes), time.Since(start).Round(10*time.Millisecond))
	}
	return err
}

func (t *testnet) printTable(ctx context.Context) {
	tw := tabwriter.NewWriter(t.e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tID\tOUT\tIN\tBOOK NEW/TRIED\tGOSSIP STORED\tSTATE DIR")
	for i, n := range t.nodes {
		st, err := api.NewClient(daemon.SocketPath(n.dir)).Status(ctx)
		if err != nil || st.Overlay == nil {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\n", n.name, t.ids[i].Short(), n.dir)
			continue
		}
		o := st.Overlay
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d/%d\t%d\t%s\n", n.name, t.ids[i].Short(), o.Outbound, o.Inbound, o.BookNew, o.BookTried, o.Gossip["stored"], n.dir)
	}
	tw.Flush()
}

// hold keeps the testnet up until Ctrl-C, the --for duration, or a node
// exiting on its own.
func (t *testnet) hold(ctx context.Context, dur time.Duration) error {
	if dur > 0 {
		fmt.Fprintf(t.e.stdout, "testnet: running for %s (warren status --dir DIR for any node)\n", dur)
	} else {
		fmt.Fprintln(t.e.stdout, "testnet: running; Ctrl-C stops every node (warren status --dir DIR for any node)")
	}
	var timer <-chan time.Time
	if dur > 0 {
		timer = time.After(dur)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(t.e.stdout, "\ntestnet: stopping")
			return nil
		case <-timer:
			return nil
		case <-tick.C:
			if err := t.checkAlive(); err != nil {
				return err
			}
		}
	}
}

func (t *testnet) checkAlive() error {
	for _, n := range t.nodes {
		select {
		case err := <-n.exited:
			n.exited <- err
			return fmt.Errorf("node %s exited on its own: %v", n.name, err)
		default:
		}
	}
	return nil
}
