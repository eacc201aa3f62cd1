package tornet

import (
	"context"
	"errors"
	"fmt"
	"io"
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
)

// requireTor skips the test when tor is missing, except in CI (CI=true),
// where tor is installed and a missing tor is a failure.
func requireTor(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"tor", "tor-gencert"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found in CI: %v", bin, err)
			}
			t.Skipf("%s not installed: %v", bin, err)
		}
	}
}

// request sends a raw control command and returns the reply's data lines.
func (cc *ctlConn) request(format string, args ...any) ([]string, error) {
	cc.setDeadline()
	resp, err := cc.c.SendRequest(format, args...)
	if err != nil {
		return nil, err
	}
	return resp.Data, nil
}

// bootstrapProgress parses GETINFO status/bootstrap-phase, e.g.
// `NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`, returning the
// PROGRESS value or -1.
func bootstrapProgress(phase string) int {
	for f := range strings.FieldsSeq(phase) {
		if v, ok := strings.CutPrefix(f, "PROGRESS="); ok {
			if p, err := strconv.Atoi(v); err == nil && p >= 0 && p <= 100 {
				return p
			}
		}
	}
	return -1
}

// client is a tor process the test starts itself to join the network.
type client struct {
	name      string
	socksPort int
	ctlPort   int
	proc      *torProc
}

// startClient starts a client tor with n.ClientTorrc() plus its own
// DataDirectory, SocksPort and ControlPort, and stops it at cleanup.
func startClient(t *testing.T, n *Network, name string) *client {
	t.Helper()
	ports, err := pickPorts(2)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{name: name, socksPort: ports[0], ctlPort: ports[1]}
	c.proc = &torProc{name: name, dir: filepath.Join(t.TempDir(), name)}
	if err := os.Mkdir(c.proc.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := append(n.ClientTorrc(),
		"DataDirectory "+quoteValue(c.proc.dir),
		fmt.Sprintf("SocksPort 127.0.0.1:%d", c.socksPort),
		fmt.Sprintf("ControlPort 127.0.0.1:%d", c.ctlPort),
		"Log notice stdout")
	if err := writeTorrc(c.proc.torrcPath(), lines); err != nil {
		t.Fatal(err)
	}
	exited := make(chan *torProc, 1)
	if err := c.proc.launch(n.cfg.TorPath, n.cfg.log, exited); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(t) })
	return c
}

func (c *client) stop(t *testing.T) {
	if err := stopAll([]*torProc{c.proc}, testLogger(t)); err != nil {
		t.Error(err)
	}
	closeLogs([]*torProc{c.proc})
}

func (c *client) pid() int { return c.proc.cmd.Process.Pid }

// control dials the client's control port; closed at cleanup.
func (c *client) control(ctx context.Context, t *testing.T) *ctlConn {
	t.Helper()
	var cc *ctlConn
	err := poll(ctx, func() (err error) { cc, err = dialControl(ctx, c.ctlPort); return err })
	if err != nil {
		t.Fatalf("%s: control port: %v; log: %q", c.name, err, c.proc.logw.tail())
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// waitBootstrapped waits until the client reports 100 % bootstrap.
func (c *client) waitBootstrapped(ctx context.Context, t *testing.T) {
	t.Helper()
	cc := c.control(ctx, t)
	err := poll(ctx, func() error {
		v, err := cc.getInfo("status/bootstrap-phase")
		if err != nil {
			return err
		}
		if p := bootstrapProgress(v); p != 100 {
			return fmt.Errorf("bootstrap at %d%%: %s", p, v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s did not bootstrap: %v; log: %q", c.name, err, c.proc.logw.tail())
	}
}

// poll calls f every pollInterval until it succeeds or ctx ends; it returns
// f's last error.
func poll(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(pollInterval):
		}
	}
}

// echoServer echoes every connection on 127.0.0.1 until cleanup.
func echoServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				io.Copy(c, c)
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

// socks5Connect opens a connection to host:port through the SOCKS5 proxy
// on 127.0.0.1:proxyPort (RFC 1928, no authentication, CONNECT by domain
// name, as tor expects for .onion addresses).
func socks5Connect(ctx context.Context, proxyPort int, host string, port int) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(proxyPort)))
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := socks5Handshake(c, host, port); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func socks5Handshake(c net.Conn, host string, port int) error {
	if _, err := c.Write([]byte{5, 1, 0}); err != nil { // v5, 1 method: no auth
		return err
	}
	var sel [2]byte
	if _, err := io.ReadFull(c, sel[:]); err != nil || sel != [2]byte{5, 0} {
		return fmt.Errorf("socks: method selection failed: %v %v", sel, err)
	}
	req := append([]byte{5, 1, 0, 3, byte(len(host))}, host...) // CONNECT, DOMAINNAME
	req = append(req, byte(port>>8), byte(port))
	if _, err := c.Write(req); err != nil {
		return err
	}
	var rep [10]byte // VER REP RSV ATYP=IPv4 ADDR(4) PORT(2): tor always replies IPv4
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		return fmt.Errorf("socks: reading reply: %w", err)
	}
	if rep[1] != 0 {
		return fmt.Errorf("socks: CONNECT failed, reply code %#x", rep[1])
	}
	if rep[3] != 1 {
		return fmt.Errorf("socks: unexpected address type %d", rep[3])
	}
	return nil
}

// processGone reports whether no process with this PID exists any more.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// childTors lists our own child processes named tor, from /proc.
func childTors(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		j, i := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if j < 0 || i < j || s[j+1:i] != "tor" {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
			pids = append(pids, pid)
		}
	}
	return pids
}
