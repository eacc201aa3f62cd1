package tor

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

const greeting = "warren-test-greeting\n"

// serve accepts on ln until it is closed: each conn gets the greeting,
// then an echo of what it sends. It is stopped and awaited at cleanup.
func serve(t *testing.T, ln net.Listener) {
	acceptEach(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(c, greeting); err != nil {
			return
		}
		io.Copy(c, c)
	})
}

// dialUntil dials addr:port through tr until a stream opens (the
// descriptor may not be on every HSDir yet) or ctx ends.
func dialUntil(ctx context.Context, t *testing.T, tr *Tor, addr string, port int, iso string) (net.Conn, int) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		c, err := tr.Dial(actx, addr, port, iso)
		cancel()
		if err == nil {
			return c, attempt
		}
		t.Logf("dial attempt %d: %v", attempt, err)
		select {
		case <-ctx.Done():
			t.Fatalf("not reachable: %v", err)
		case <-time.After(time.Second):
		}
	}
}

// exchange reads the greeting and checks an echo.
func exchange(t *testing.T, c net.Conn) {
	t.Helper()
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != greeting {
		t.Fatalf("greeting %q, %v", line, err)
	}
	msg := strings.Repeat("ping", 256) // 1 KiB
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(r, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo: %v", err)
	}
}

func TestLaunchListenDialRestart(t *testing.T) {
	n := privateNet(t)
	t.Logf("private network: Start took %v (consensus %v after the first tor started)", shared.took, n.StartupTime())
	cli := dialer(t)
	dir := filepath.Join(t.TempDir(), "node")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := fixedKey(7)
	want := identity.NodeID(key.Public().(ed25519.PublicKey)).Onion()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	node, err := Launch(ctx, LaunchConfig{DataDir: dir, ExtraTorrc: n.ClientTorrc(), Logger: testLog(t, "node")})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	checkBootstrap(ctx, t, node)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("DataDir mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	checkStatus(t, node)

	first := publishAndReach(ctx, t, node, cli, key, want)
	t.Logf("FIGURE published -> first reachable (fresh): %v", first)
	if netRSS, err := n.RSS(); err == nil {
		t.Logf("FIGURE RSS: node tor %.1f MiB; private network (%d tors) %.1f MiB",
			float64(rssOf(t, node.PID()))/(1<<20), len(n.PIDs()), float64(netRSS)/(1<<20))
	}

	// Nothing is mapped at port 1 of our service: a clear error, fast.
	start := time.Now()
	_, err = cli.Dial(ctx, want, 1, "test")
	var se *SOCKSError
	if err == nil || !errors.As(err, &se) {
		t.Fatalf("dial to an unmapped port: %v, want a *SOCKSError", err)
	}
	t.Logf("unmapped port: %v after %v", err, time.Since(start).Round(time.Millisecond))

	// Close, launch again in the same DataDir: same address, reachable.
	pid := node.PID()
	if err := node.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := node.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if alive(pid) {
		t.Fatalf("tor %d still running after Close", pid)
	}
	node2, err := Launch(ctx, LaunchConfig{DataDir: dir, ExtraTorrc: n.ClientTorrc(), Logger: testLog(t, "node2")})
	if err != nil {
		t.Fatal(err)
	}
	defer node2.Close()
	checkBootstrap(ctx, t, node2)
	// Dialed from a tor without the old descriptor: a client holding it can
	// be acknowledged by an intro point that still has the dead tor's
	// circuit and then wait ~3 min at the rendezvous (tor's behaviour;
	// docs/tor.md, known limits).
	fresh := launch(t, n, filepath.Join(t.TempDir(), "fresh"), "fresh-client")
	again := publishAndReach(ctx, t, node2, fresh, key, want)
	t.Logf("FIGURE published -> first reachable (same key after a restart): %v", again)
}

// rssOf returns a process's resident set size in bytes.
func rssOf(t *testing.T, pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
			return kb << 10
		}
	}
	return 0
}

// checkBootstrap waits for 100 % and checks the reported phases.
func checkBootstrap(ctx context.Context, t *testing.T, tr *Tor) {
	t.Helper()
	var phases []Progress
	start := time.Now()
	if err := tr.Bootstrap(ctx, func(p Progress) { phases = append(phases, p) }); err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	if len(phases) == 0 || !phases[len(phases)-1].Done() {
		t.Fatalf("phases %+v", phases)
	}
	for i := 1; i < len(phases); i++ {
		if phases[i] == phases[i-1] {
			t.Fatalf("callback repeated an unchanged phase: %+v", phases)
		}
	}
	if !tr.Status().Bootstrap.Done() {
		t.Fatal("Status does not show 100 %")
	}
	t.Logf("bootstrapped in %v through %d phases", time.Since(start).Round(time.Millisecond), len(phases))
}

func checkStatus(t *testing.T, tr *Tor) {
	t.Helper()
	st := tr.Status()
	out, err := exec.Command("tor", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	installed, err := ParseVersion(strings.SplitN(string(out), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != ModeLaunch || st.PID == 0 || !st.Running || st.Version != installed.String() {
		t.Fatalf("status %+v (installed tor %s)", st, installed)
	}
	t.Logf("tor %s, network says %q", st.Version, st.VersionStatus)
}

// publishAndReach publishes key's service on node and returns the time
// from Listen's return to the first stream from cli.
func publishAndReach(ctx context.Context, t *testing.T, node, cli *Tor, key ed25519.PrivateKey, want string) time.Duration {
	t.Helper()
	start := time.Now()
	ln, err := node.Listen(ctx, ListenConfig{Key: key, VirtualPort: 9735})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	published := time.Now()
	t.Logf("Listen (ADD_ONION + first upload) took %v", published.Sub(start).Round(time.Millisecond))
	if ln.Onion() != want || node.Status().Onion != want || ln.Addr().String() != want+":9735" {
		t.Fatalf("service address %s, want %s", ln.Onion(), want)
	}
	serve(t, ln)
	c, attempts := dialUntil(ctx, t, cli, want, 9735, "test")
	took := time.Since(published)
	exchange(t, c)
	t.Logf("reachable after %d dial attempt(s)", attempts)
	return took
}
