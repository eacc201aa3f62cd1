package tornet

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testLogger logs the package's events to the test output; tor's own
// lines too when TORNET_DEBUG=1.
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("TORNET_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// TestNetwork starts one default-size network and checks, in order, what a
// user of it relies on: every relay's consensus, clients bootstrapping, an
// onion service reachable from another client, and Close.
func TestNetwork(t *testing.T) {
	requireTor(t)
	var (
		mu     sync.Mutex
		phases []Progress
	)
	// A Dir that Start creates, with characters torrc would misread unquoted.
	dir := filepath.Join(t.TempDir(), `work "dir" #1\`)
	cfg := Config{Dir: dir, Logger: testLogger(t), Progress: func(p Progress) {
		mu.Lock()
		phases = append(phases, p)
		mu.Unlock()
	}}
	begin := time.Now()
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	t.Logf("Start took %v, startup time (processes -> consensus) %v", time.Since(begin), n.StartupTime())
	if st := n.StartupTime(); st <= 0 || st > time.Since(begin) {
		t.Errorf("StartupTime = %v, want in (0, %v]", st, time.Since(begin))
	}
	mu.Lock()
	checkProgress(t, phases, DefaultAuthorities+DefaultRelays)
	mu.Unlock()

	t.Run("EveryRelayListsAllRunning", func(t *testing.T) { testConsensus(t, n) })
	t.Run("ClientTorrc", func(t *testing.T) { testClientTorrc(t, n) })
	t.Run("RSS", func(t *testing.T) {
		rss, err := n.RSS()
		if err != nil || rss < 5*(1<<20) {
			t.Fatalf("RSS() = %d, %v; want > 5 MiB", rss, err)
		}
		t.Logf("RSS of the network: %.1f MiB", float64(rss)/(1<<20))
	})
	var clientPIDs []int
	t.Run("ExitToLoopback", func(t *testing.T) { testExit(t, n) })
	t.Run("OnionServiceEcho", func(t *testing.T) {
		var boot, reach time.Duration
		boot, reach, clientPIDs = onionEcho(t, n)
		t.Logf("clients bootstrapped in %v; onion service published -> first reachable: %v", boot, reach)
	})
	t.Run("Close", func(t *testing.T) { testClose(t, n, clientPIDs) })
}

// checkProgress asserts the phases came in order and each ended complete.
func checkProgress(t *testing.T, got []Progress, tors int) {
	t.Helper()
	order := []string{PhaseKeys, PhaseStarted, PhaseConsensus}
	last := map[string]Progress{}
	stage := 0
	for _, p := range got {
		i := slices.Index(order, p.Phase)
		if i < stage || p.Total != tors || p.Done > p.Total {
			t.Fatalf("bad progress sequence at %+v: %+v", p, got)
		}
		stage, last[p.Phase] = i, p
	}
	for _, ph := range order {
		if p := last[ph]; p.Done != tors {
			t.Errorf("phase %q ended at %+v, want %d done", ph, p, tors)
		}
	}
}

// testConsensus asks each relay's control port itself.
func testConsensus(t *testing.T, n *Network) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range n.tors {
		cc, err := dialControl(ctx, r.ctlPort)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		ns, err := cc.getInfo("ns/all")
		cc.Close()
		if err != nil {
			t.Fatalf("%s: GETINFO ns/all: %v", r.name, err)
		}
		running := runningRelays(ns)
		for _, u := range n.tors {
			if !running[u.fingerprint] {
				t.Errorf("consensus of %s does not list %s as Running", r.name, u.name)
			}
		}
	}
}

func testClientTorrc(t *testing.T, n *Network) {
	lines := n.ClientTorrc()
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"TestingTorNetwork 1", "PathsNeededToBuildCircuits 0.67",
		"V3AuthNIntervalsValid 2", "ShutdownWaitLength 0", "AvoidDiskWrites 1"} {
		if !slices.Contains(lines, want) {
			t.Errorf("ClientTorrc lacks %q", want)
		}
	}
	if got := strings.Count(joined, "DirAuthority "); got != DefaultAuthorities {
		t.Errorf("ClientTorrc has %d DirAuthority lines, want %d", got, DefaultAuthorities)
	}
	for _, key := range []string{"DataDirectory", "SocksPort", "ControlPort", "ORPort", "Nickname"} {
		for _, l := range lines {
			if strings.HasPrefix(l, key+" ") {
				t.Errorf("ClientTorrc sets %q", l)
			}
		}
	}
	lines[0] = "mutated"
	if n.ClientTorrc()[0] == "mutated" {
		t.Error("ClientTorrc returns shared storage")
	}
}

// testExit echoes through a 3-hop exit circuit to a loopback echo server.
func testExit(t *testing.T, n *Network) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := startClient(t, n, "exitclient")
	c.waitBootstrapped(ctx, t)
	echoPort := echoServer(t)
	begin := time.Now()
	conn, err := socks5Connect(ctx, c.socksPort, "127.0.0.1", echoPort)
	if err != nil {
		t.Fatalf("exit stream to 127.0.0.1: %v; client log: %q", err, c.proc.logw.tail())
	}
	defer conn.Close()
	t.Logf("exit stream opened in %v", time.Since(begin))
	echo(t, conn, 4<<10)
}

// onionEcho starts two clients, publishes an onion service on one and
// echoes through it from the other. It returns how long the clients took to
// bootstrap, the time from ADD_ONION's reply to the first successful
// connection, and the clients' PIDs.
func onionEcho(t *testing.T, n *Network) (bootstrap, reachable time.Duration, pids []int) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	host, dialer := startClient(t, n, "host"), startClient(t, n, "dialer")
	pids = []int{host.pid(), dialer.pid()}
	begin := time.Now()
	host.waitBootstrapped(ctx, t)
	dialer.waitBootstrapped(ctx, t)
	bootstrap = time.Since(begin)

	echoPort := echoServer(t)
	cc := host.control(ctx, t)
	reply, err := cc.request("ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:%d", echoPort)
	if err != nil {
		t.Fatalf("ADD_ONION: %v", err)
	}
	published := time.Now()
	sid := serviceID(reply)
	if len(sid) != 56 {
		t.Fatalf("ADD_ONION reply without a v3 ServiceID: %q", reply)
	}
	conn := dialOnion(ctx, t, dialer, sid+".onion")
	defer conn.Close()
	reachable = time.Since(published)
	echo(t, conn, 4<<10)
	return bootstrap, reachable, pids
}

func serviceID(reply []string) string {
	for _, l := range reply {
		if v, ok := strings.CutPrefix(l, "ServiceID="); ok {
			return v
		}
	}
	return ""
}

// dialOnion retries a SOCKS connection to addr:80 until it succeeds.
func dialOnion(ctx context.Context, t *testing.T, c *client, addr string) io.ReadWriteCloser {
	t.Helper()
	var conn io.ReadWriteCloser
	attempts := 0
	err := poll(ctx, func() error {
		attempts++
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		nc, err := socks5Connect(actx, c.socksPort, addr, 80)
		conn = nc
		return err
	})
	if err != nil {
		t.Fatalf("onion service not reachable after %d attempts: %v; dialer log: %q", attempts, err, c.proc.logw.tail())
	}
	return conn
}

func echo(t *testing.T, conn io.ReadWriter, size int) {
	t.Helper()
	want := make([]byte, size)
	rand.Read(want)
	errc := make(chan error, 1)
	go func() { _, err := conn.Write(want); errc <- err }()
	got := make([]byte, size)
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatalf("reading echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("writing: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("echo differs from what was sent")
	}
}

// testClose checks Close stops every tor and is idempotent.
func testClose(t *testing.T, n *Network, clientPIDs []int) {
	pids := n.PIDs()
	if len(pids) != DefaultAuthorities+DefaultRelays {
		t.Fatalf("PIDs() = %v", pids)
	}
	for _, pid := range pids {
		if processGone(pid) {
			t.Fatalf("tor %d gone before Close", pid)
		}
	}
	begin := time.Now()
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %v", time.Since(begin))
	for _, pid := range append(pids, clientPIDs...) {
		if !processGone(pid) {
			t.Errorf("tor %d still running after Close", pid)
		}
	}
	if left := childTors(t); len(left) > 0 {
		t.Errorf("tor children still running: %v", left)
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(n.cfg.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the Dir that Start created: %v", err)
	}
	if _, err := n.RSS(); !errors.Is(err, ErrClosed) {
		t.Errorf("RSS after Close: %v, want ErrClosed", err)
	}
}
