package tor

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// nowhereTorrc keeps a launched tor off every network but loopback: its
// only directory authority is a closed port on 127.0.0.1, so it never
// bootstraps.
var nowhereTorrc = []string{
	"TestingTorNetwork 1",
	"DirAuthority nowhere orport=1 no-v2 v3ident=0000000000000000000000000000000000000001 127.0.0.1:1 0000000000000000000000000000000000000002",
	"GeoIPFile /dev/null",
	"GeoIPv6File /dev/null",
}

// TestDialUnreachable: a well-formed address nobody publishes fails with
// ErrUnreachable well within the deadline; an address whose checksum is
// right but whose key is not a curve point is refused by tor at once
// (SOCKS 0xF6, ErrAddress).
func TestDialUnreachable(t *testing.T) {
	cli := dialer(t)
	id := identity.NodeID(fixedKey(99).Public().(ed25519.PublicKey))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	_, err := cli.Dial(ctx, id.Onion(), 80, "unreachable")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	t.Logf("unreachable address: %v after %v", err, time.Since(start).Round(time.Millisecond))

	var notPoint identity.NodeID
	copy(notPoint[:], "nobody publishes this onion key!")
	start = time.Now()
	_, err = cli.Dial(ctx, notPoint.Onion(), 80, "unreachable")
	var se *SOCKSError
	if !errors.Is(err, ErrAddress) || !errors.As(err, &se) || se.Code != 0xF6 {
		t.Fatalf("not a curve point: %v, want SOCKS 0xF6", err)
	}
	t.Logf("key not on the curve: %v after %v", err, time.Since(start).Round(time.Millisecond))
}

// TestBootstrapTorDies: a tor killed while bootstrapping makes Bootstrap
// return ErrExited at once instead of waiting for the deadline.
func TestBootstrapTorDies(t *testing.T) {
	requireTor(t)
	tr, err := Launch(context.Background(), LaunchConfig{DataDir: filepath.Join(t.TempDir(), "d"), ExtraTorrc: nowhereTorrc, Logger: testLog(t, "dying")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	var mu sync.Mutex
	var seen []Progress
	go func() {
		errc <- tr.Bootstrap(ctx, func(p Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() })
	}()
	time.Sleep(time.Second)
	pid := tr.PID()
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrExited) {
			t.Fatalf("Bootstrap = %v, want ErrExited", err)
		}
		t.Logf("Bootstrap returned %v, %v after the kill", err, time.Since(killed).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("Bootstrap still waiting 10 s after tor died")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[len(seen)-1].Done() {
		t.Fatalf("phases %+v", seen)
	}
	if st := tr.Status(); st.Running || st.PID != 0 {
		t.Fatalf("status after death %+v", st)
	}
}

// TestBootstrapDeadline: a tor that cannot bootstrap is given up on at
// ctx's deadline, with the problem tor reports.
func TestBootstrapDeadline(t *testing.T) {
	requireTor(t)
	tr, err := Launch(context.Background(), LaunchConfig{DataDir: filepath.Join(t.TempDir(), "d"), ExtraTorrc: nowhereTorrc})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err = tr.Bootstrap(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("Bootstrap = %v after %v", err, time.Since(start))
	}
	t.Logf("stuck tor reports %+v", tr.Status().Bootstrap)
}

// TestVersionGuardInstalledTor: the installed tor passes the guard.
func TestVersionGuardInstalledTor(t *testing.T) {
	requireTor(t)
	out, err := exec.Command("tor", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	v, err := CheckVersion(strings.SplitN(string(out), "\n", 2)[0])
	if err != nil {
		t.Fatalf("installed tor refused: %v", err)
	}
	t.Logf("installed tor %s accepted (>= %s)", v, MinVersion)
}

// fakeControl serves a control port that speaks just enough protocol to
// reach the version guard, claiming to be tor version.
func fakeControl(t *testing.T, version string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptEach(t, ln, func(c net.Conn) { fakeControlConn(c, version) })
	return ln.Addr().String()
}

func fakeControlConn(c net.Conn, version string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.TrimSpace(line); {
		case strings.HasPrefix(cmd, "PROTOCOLINFO"):
			c.Write([]byte("250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n250-VERSION Tor=\"" + version + "\"\r\n250 OK\r\n"))
		case cmd == "AUTHENTICATE":
			c.Write([]byte("250 OK\r\n"))
		case cmd == "GETINFO version":
			c.Write([]byte("250-version=" + version + "\r\n250 OK\r\n"))
		default:
			c.Write([]byte("510 Unrecognized command\r\n"))
		}
	}
}

// TestVersionGuardRefusesOldTor: Attach to a control port claiming an old
// tor fails with the guard's explanation.
func TestVersionGuardRefusesOldTor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Attach(ctx, AttachConfig{ControlAddr: fakeControl(t, "0.4.8.13 (git-0123456789abcdef)")})
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Have.String() != "0.4.8.13" {
		t.Fatalf("Attach to tor 0.4.8.13: %v", err)
	}
	t.Logf("refusal: %v", err)
	_, err = Attach(ctx, AttachConfig{ControlAddr: fakeControl(t, "banana")})
	if !errors.Is(err, ErrVersion) {
		t.Fatalf("Attach to tor \"banana\": %v", err)
	}
}

func TestAttachNoTor(t *testing.T) {
	addr := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().String()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Attach(ctx, AttachConfig{ControlAddr: addr}); !errors.Is(err, ErrControl) {
		t.Fatalf("Attach to a closed port: %v", err)
	}
	if _, err := Attach(ctx, AttachConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("Attach without an address: %v", err)
	}
}

// TestLaunchBadTorrc: a torrc tor rejects ends Launch with ErrStart at
// once, and no tor is left running.
func TestLaunchBadTorrc(t *testing.T) {
	requireTor(t)
	start := time.Now()
	_, err := Launch(context.Background(), LaunchConfig{DataDir: filepath.Join(t.TempDir(), "d"), ExtraTorrc: []string{"NoSuchOption 1"}})
	if !errors.Is(err, ErrStart) || !errors.Is(err, ErrExited) {
		t.Fatalf("Launch = %v, want ErrStart/ErrExited", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
	if _, err := Launch(context.Background(), LaunchConfig{DataDir: t.TempDir(), TorPath: "/nonexistent/tor"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing binary: %v", err)
	}
	if _, err := Launch(context.Background(), LaunchConfig{ExtraTorrc: nowhereTorrc}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no DataDir: %v", err)
	}
	if _, err := Launch(context.Background(), LaunchConfig{DataDir: t.TempDir(), ExtraTorrc: []string{"SocksPort 9050"}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("ExtraTorrc SocksPort: %v", err)
	}
}
