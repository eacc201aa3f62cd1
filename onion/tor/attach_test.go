package tor

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/tor/tornet"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
)

// stockTor is a plain tor process the test starts itself with os/exec
// (not through this package): a control port with cookie (and optionally
// password) authentication and a SOCKS port, joined to the private
// network.
type stockTor struct {
	pid                 int
	dir                 string
	ctrlAddr, socksAddr string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startStockTor(t *testing.T, n *tornet.Network, extra ...string) *stockTor {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stock")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	socks := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	lines := append(n.ClientTorrc(),
		"DataDirectory "+dir,
		"SocksPort "+socks,
		"ControlPort 127.0.0.1:auto",
		"ControlPortWriteToFile "+filepath.Join(dir, "cport"),
		"CookieAuthentication 1",
		"Log notice file "+filepath.Join(dir, "tor.log"),
	)
	lines = append(lines, extra...)
	rc := filepath.Join(dir, "torrc")
	if err := os.WriteFile(rc, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tor", "-f", rc, "--defaults-torrc", os.DevNull)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st := &stockTor{pid: cmd.Process.Pid, dir: dir, socksAddr: socks}
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-waited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "cport"))
		if err == nil && strings.HasSuffix(string(b), "\n") {
			if st.ctrlAddr, err = parseControlPortFile(string(b)); err != nil {
				t.Fatal(err)
			}
			return st
		}
		if time.Now().After(deadline) {
			t.Fatal("stock tor wrote no control port")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hashPassword(t *testing.T, pw string) string {
	out, err := exec.Command("tor", "--quiet", "--hash-password", pw).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(out))
	return lines[len(lines)-1]
}

func TestAttach(t *testing.T) {
	n := privateNet(t)
	cli := dialer(t)
	stock := startStockTor(t, n, "HashedControlPassword "+hashPassword(t, "s3cret"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Cookie (SAFECOOKIE, the file PROTOCOLINFO names) and password both
	// work; a wrong password is refused.
	if _, err := Attach(ctx, AttachConfig{ControlAddr: stock.ctrlAddr, Password: []byte("wrong")}); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	pw, err := Attach(ctx, AttachConfig{ControlAddr: stock.ctrlAddr, Password: []byte("s3cret")})
	if err != nil {
		t.Fatalf("password: %v", err)
	}
	pw.Close()
	a, err := Attach(ctx, AttachConfig{ControlAddr: stock.ctrlAddr, Logger: testLog(t, "attach")})
	if err != nil {
		t.Fatalf("cookie: %v", err)
	}
	defer a.Close()
	if err := a.Bootstrap(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st := a.Status()
	if st.Mode != ModeAttach || !st.Running || st.PID != 0 || st.Version == "" || a.SocksAddr() != stock.socksAddr {
		t.Fatalf("status %+v socks %s", st, a.SocksAddr())
	}
	if err := a.Restart(ctx); !errors.Is(err, ErrNotLaunched) {
		t.Fatalf("Restart in attach mode: %v", err)
	}

	key := fixedKey(8)
	ln, err := a.Listen(ctx, ListenConfig{Key: key, VirtualPort: 80})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln)
	// The attached tor dials too (here: our own service, as the watchdog does).
	if err := ln.WaitReachable(ctx); err != nil {
		t.Fatalf("WaitReachable through the attached tor: %v", err)
	}
	c, _ := dialUntil(ctx, t, cli, ln.Onion(), 80, "attach")
	exchange(t, c)

	serviceID := strings.TrimSuffix(ln.Onion(), ".onion")
	if !strings.Contains(detachedOnions(ctx, t, stock), serviceID) {
		t.Fatal("our service is not among the tor's onions")
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if !alive(stock.pid) {
		t.Fatal("Close stopped a tor we attached to")
	}
	if strings.Contains(detachedOnions(ctx, t, stock), serviceID) {
		t.Fatal("our service outlived Close")
	}
}

// detachedOnions asks the stock tor, on a connection of our own, which
// detached onion services it runs.
func detachedOnions(ctx context.Context, t *testing.T, s *stockTor) string {
	t.Helper()
	c := secondControl(ctx, t, s.ctrlAddr, "")
	defer c.close()
	v, err := c.getInfo(ctx, "onions/detached")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// secondControl opens an authenticated control connection of the test's
// own (cookie from PROTOCOLINFO, or cookiePath).
func secondControl(ctx context.Context, t *testing.T, addr, cookiePath string) *ctrl {
	t.Helper()
	c, err := dialControl(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.authenticate(ctx, credentials{cookiePath: cookiePath}, rand.Reader); err != nil {
		c.close()
		t.Fatal(err)
	}
	return c
}

// TestStockClientLinkHandshake: a plain tor started by the test, through
// its SOCKS port (our raw SOCKS client, not Tor.Dial), reaches a node's
// onion port, and a Warren link handshake (IK) completes over it.
func TestStockClientLinkHandshake(t *testing.T) {
	n := privateNet(t)
	node := launch(t, n, filepath.Join(t.TempDir(), "node"), "node")
	stock := startStockTor(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	server, err := identity.Generate(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	ln, err := node.Listen(ctx, ListenConfig{Key: server.Node, VirtualPort: 9735})
	if err != nil {
		t.Fatal(err)
	}
	netID := [32]byte{'t', 'o', 'r', 't', 'e', 's', 't'}
	scfg := &link.Config{NetworkID: netID, NodeKey: server.Node, LinkKey: server.Link}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- err
			return
		}
		l, err := link.Accept(ctx, c, scfg, link.NewReplayGuard(link.ReplayConfig{}))
		if err != nil {
			accepted <- err
			return
		}
		defer l.Close()
		msg, err := l.Recv()
		if err == nil && string(msg) != "hello over tor" {
			err = fmt.Errorf("got %q", msg)
		}
		accepted <- err
	}()

	client, err := identity.Generate(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ccfg := &link.Config{NetworkID: netID, NodeKey: client.Node, LinkKey: client.Link}
	published := time.Now()
	var conn net.Conn
	for attempt := 1; conn == nil; attempt++ {
		conn, err = DialSOCKS(ctx, stock.socksAddr, ln.Onion(), 9735, "stock-client")
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("stock client never reached the node: %v", err)
			}
			t.Logf("stock dial attempt %d: %v", attempt, err)
			time.Sleep(time.Second)
		}
	}
	reached := time.Since(published)
	hsStart := time.Now()
	l, err := link.Dial(ctx, conn, ccfg, link.Remote{NodeID: server.NodeID(), LinkKey: server.LinkPublic()})
	if err != nil {
		t.Fatalf("link handshake over the onion service: %v", err)
	}
	defer l.Close()
	hs := time.Since(hsStart)
	if l.Peer().NodeID != server.NodeID() || !l.Peer().Authenticated {
		t.Fatalf("peer %+v", l.Peer())
	}
	if err := l.Send([]byte("hello over tor")); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatalf("server side: %v", err)
	}
	t.Logf("FIGURE stock client: stream open %v after Listen; link IK handshake over the onion service %v", reached.Round(time.Millisecond), hs.Round(time.Millisecond))
}
