package tor

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrennet/warren/onion/tor/tornet"
)

// One private Tor network serves the whole package (it takes 10-25 s to
// start); it starts on the first test that needs it and stops in TestMain.
var shared struct {
	once sync.Once
	dir  string
	net  *tornet.Network
	err  error
	took time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, tr := range closeBeforeNet {
		tr.Close()
	}
	if shared.net != nil {
		if err := shared.net.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the private network:", err)
		}
	}
	for _, f := range logFiles {
		f.Close()
	}
	if shared.dir != "" && os.Getenv("WARREN_TEST_KEEP") == "" {
		os.RemoveAll(shared.dir)
	} else if shared.dir != "" {
		fmt.Fprintln(os.Stderr, "kept", shared.dir)
	}
	if left := childTors(); len(left) > 0 {
		fmt.Fprintln(os.Stderr, "tor processes left behind:", left)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// requireTor skips without tor, except in CI (CI=true), where a missing
// tor is a failure.
func requireTor(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("tor"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tor not found in CI: %v", err)
		}
		t.Skipf("tor not installed: %v", err)
	}
}

// privateNet returns the shared private network, starting it if needed.
func privateNet(t *testing.T) *tornet.Network {
	t.Helper()
	requireTor(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "warren-tornet-")
		if shared.err != nil {
			return
		}
		start := time.Now()
		shared.net, shared.err = tornet.Start(context.Background(), tornet.Config{
			Dir: filepath.Join(shared.dir, "net"), StartTimeout: 120 * time.Second,
		})
		shared.took = time.Since(start)
	})
	if shared.err != nil {
		t.Fatalf("private network: %v", shared.err)
	}
	return shared.net
}

// testLog is a slog.Logger that keeps records in memory and prints the
// last of them when the test fails (all of them with WARREN_TEST_LOG=1;
// WARREN_TEST_LOGDIR=dir also writes each log to dir).
func testLog(t *testing.T, name string) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	h := slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if dir := os.Getenv("WARREN_TEST_LOGDIR"); dir != "" {
			os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".log"), buf.Bytes(), 0o600)
		}
		if t.Failed() || os.Getenv("WARREN_TEST_LOG") != "" {
			lines := strings.Split(buf.String(), "\n")
			t.Logf("log of %s (last 60 lines):\n%s", name, strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	return slog.New(h).With("node", name)
}

// fileLog logs at Debug to path (for the shared client, whose tor log
// outlives any one test; set WARREN_TEST_KEEP=1 to keep it).
func fileLog(path string) *slog.Logger {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil
	}
	logFiles = append(logFiles, f)
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var logFiles []*os.File

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// launch starts a node's tor on the private network in dir and waits for
// it to bootstrap; it is closed at cleanup.
func launch(t *testing.T, n *tornet.Network, dir, name string) *Tor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tr, err := Launch(ctx, LaunchConfig{DataDir: dir, ExtraTorrc: n.ClientTorrc(), Logger: testLog(t, name)})
	if err != nil {
		t.Fatalf("Launch %s: %v", name, err)
	}
	t.Cleanup(func() { tr.Close() })
	if err := tr.Bootstrap(ctx, nil); err != nil {
		t.Fatalf("Bootstrap %s: %v", name, err)
	}
	return tr
}

// client is a second launched tor shared by the tests that dial nodes.
var sharedClient struct {
	once sync.Once
	tor  *Tor
	err  error
}

func dialer(t *testing.T) *Tor {
	t.Helper()
	n := privateNet(t)
	sharedClient.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		dir := filepath.Join(shared.dir, "client")
		sharedClient.tor, sharedClient.err = Launch(ctx, LaunchConfig{DataDir: dir, ExtraTorrc: n.ClientTorrc(), Logger: fileLog(filepath.Join(shared.dir, "client.log"))})
		if sharedClient.err == nil {
			sharedClient.err = sharedClient.tor.Bootstrap(ctx, nil)
		}
		closeBeforeNet = append(closeBeforeNet, sharedClient.tor)
	})
	if sharedClient.err != nil {
		t.Fatalf("shared client: %v", sharedClient.err)
	}
	return sharedClient.tor
}

// closeBeforeNet are shared tors TestMain stops before the network.
var closeBeforeNet []*Tor

// childTors lists tor processes whose parent is this test binary.
func childTors() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	me := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(tor)") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid names a live (non-zombie) process.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// acceptEach serves ln until cleanup: each conn is handled in its own
// goroutine; cleanup closes ln and waits for every handler.
func acceptEach(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); handle(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
}
