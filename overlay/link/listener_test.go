package link

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrennet/warren/overlay/link/wire"
)

func listen(t testing.TB, cfg *Config, opts ListenerConfig) *Listener {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Listen(inner, cfg, opts)
}

// dialFrom opens a TCP conn to addr from source IP 127.0.0.<host>.
func dialFrom(host byte, addr net.Addr) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, host)}, Timeout: 2 * time.Second}
	return d.Dial("tcp", addr.String())
}

func dialLink(t testing.TB, host byte, addr net.Addr, cfg *Config, remote Remote) (*Link, error) {
	t.Helper()
	conn, err := dialFrom(host, addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return Dial(ctx, conn, cfg, remote)
}

// cutWithin reports whether the server closed c within d.
func cutWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	var b [64]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

func TestListenerIKAndNK(t *testing.T) {
	server, client := newNode(t), newNode(t)
	ln := listen(t, server.config(), ListenerConfig{})
	defer ln.Close()
	for _, cfg := range []*Config{client.config(), anonConfig()} {
		d, err := dialLink(t, 1, ln.Addr(), cfg, server.remote())
		if err != nil {
			t.Fatal(err)
		}
		a, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		if a.Peer().Authenticated != (cfg.NodeKey != nil) || (cfg.NodeKey != nil && a.Peer().NodeID != client.id) {
			t.Fatalf("accepted peer %+v", a.Peer())
		}
		exchange(t, d, a, []byte("via listener"))
		d.Close()
		a.Close()
	}
	if s := ln.Stats(); s.Established != 2 || s.Accepted != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestListenerPerSourceCap(t *testing.T) {
	server := newNode(t)
	ln := listen(t, server.config(), ListenerConfig{MaxPerSource: 2})
	defer ln.Close()
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := dialFrom(5, ln.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	if !cutWithin(conns[2], time.Second) {
		t.Fatal("third conn from one source not closed at once")
	}
	if cutWithin(conns[0], 50*time.Millisecond) {
		t.Fatal("first conn closed early")
	}
	if s := ln.Stats(); s.RefusedSource != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Another source is unaffected.
	if l, err := dialLink(t, 6, ln.Addr(), anonConfig(), server.remote()); err != nil {
		t.Fatal(err)
	} else {
		l.Close()
	}
}

func TestListenerRateLimit(t *testing.T) {
	server := newNode(t)
	ln := listen(t, server.config(), ListenerConfig{SourceBurst: 3, SourceRefill: time.Hour})
	defer ln.Close()
	for i := 0; i < 3; i++ {
		l, err := dialLink(t, 7, ln.Addr(), anonConfig(), server.remote())
		if err != nil {
			t.Fatalf("handshake %d: %v", i, err)
		}
		l.Close()
	}
	if _, err := dialLink(t, 7, ln.Addr(), anonConfig(), server.remote()); err == nil {
		t.Fatal("fourth handshake within the burst accepted")
	}
	if s := ln.Stats(); s.RefusedRate != 1 {
		t.Fatalf("stats %+v", s)
	}
	drain(ln, 3)
}

// drain accepts and closes n links.
func drain(ln *Listener, n int) {
	for i := 0; i < n; i++ {
		if l, err := ln.Accept(); err == nil {
			l.Close()
		}
	}
}

func TestListenerEvictsLargestSource(t *testing.T) {
	server := newNode(t)
	cfg := server.config()
	cfg.HandshakeTimeout = 5 * time.Second
	ln := listen(t, cfg, ListenerConfig{MaxHandshakes: 4, MaxPerSource: 4})
	defer ln.Close()
	var silent []net.Conn
	for i := 0; i < 4; i++ {
		c, err := dialFrom(8, ln.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	waitFor(t, func() bool { return ln.Stats().Accepted == 4 })
	start := time.Now()
	l, err := dialLink(t, 9, ln.Addr(), anonConfig(), server.remote())
	if err != nil {
		t.Fatalf("honest dial with the cap full: %v", err)
	}
	l.Close()
	if el := time.Since(start); el > time.Second {
		t.Fatalf("honest handshake took %v", el)
	}
	if !cutWithin(silent[0], time.Second) {
		t.Fatal("oldest pending handshake of the largest source not evicted")
	}
	if s := ln.Stats(); s.Evicted != 1 {
		t.Fatalf("stats %+v", s)
	}
	drain(ln, 1)
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}

func TestListenerCloseAbortsHandshakes(t *testing.T) {
	server := newNode(t)
	cfg := server.config()
	cfg.HandshakeTimeout = time.Minute
	ln := listen(t, cfg, ListenerConfig{})
	c, err := dialFrom(10, ln.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, func() bool { return ln.Stats().Accepted == 1 })
	acc := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		acc <- err
	}()
	start := time.Now()
	ln.Close()
	ln.Close()
	if time.Since(start) > time.Second {
		t.Fatal("Close waited for the handshake timeout")
	}
	if err := <-acc; err != ErrClosed {
		t.Fatalf("Accept after Close: %v", err)
	}
	if !cutWithin(c, time.Second) {
		t.Fatal("pending conn not closed")
	}
}

func TestListenerAnonymousConfig(t *testing.T) {
	ln := listen(t, anonConfig(), ListenerConfig{})
	defer ln.Close()
	if _, err := ln.Accept(); !errors.Is(err, ErrConfig) {
		t.Fatalf("Accept = %v, want ErrConfig", err)
	}
}

func openFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// openAttackers opens n conns from 127.0.0.2 upwards (250 addresses),
// alternately for trickling and for silence.
func openAttackers(t *testing.T, addr net.Addr, n int) (trickle, silent []net.Conn) {
	for i := 0; i < n; i++ {
		c, err := dialFrom(byte(2+i%250), addr)
		if err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		if i%2 == 0 {
			trickle = append(trickle, c)
		} else {
			silent = append(silent, c)
		}
	}
	return trickle, silent
}

// startTrickle writes one byte of a plausible message 1 every 100 ms on
// each conn until the returned stop func is called.
func startTrickle(conns []net.Conn) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		msg := append([]byte{byte(wire.KindIK1), 0, wire.IK1Len}, make([]byte, wire.IK1Len)...)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for _, c := range conns {
				c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				c.Write(msg[i%len(msg) : i%len(msg)+1])
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// R14: 500 trickling and 500 silent connections from 250 source addresses
// do not stop an honest peer from linking; all are cut by the handshake
// deadline; goroutines and file descriptors return to their baseline. With
// the default global cap (512) the flood also evicts itself; with a cap
// above the flood only the deadline cuts it.
func TestSlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("slowloris takes a few seconds")
	}
	t.Run("default cap", func(t *testing.T) { slowloris(t, ListenerConfig{}) })
	t.Run("deadline only", func(t *testing.T) {
		s := slowloris(t, ListenerConfig{MaxHandshakes: 2048})
		if s.Evicted != 0 || s.Failed != 1000 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func slowloris(t *testing.T, opts ListenerConfig) ListenerStats {
	const deadline = 1500 * time.Millisecond
	baseG, baseFD := runtime.NumGoroutine(), openFDs(t)
	server, client := newNode(t), newNode(t)
	cfg := server.config()
	cfg.HandshakeTimeout = deadline
	ln := listen(t, cfg, opts)

	trickle, silent := openAttackers(t, ln.Addr(), 1000)
	lastOpened := time.Now()
	stop := startTrickle(trickle)

	// The honest peer links while the attackers hold their slots.
	start := time.Now()
	d, err := dialLink(t, 1, ln.Addr(), client.config(), server.remote())
	if err != nil {
		t.Fatalf("honest dial: %v", err)
	}
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	honest := time.Since(start)
	exchange(t, d, a, []byte("through the flood"))
	if honest > time.Second {
		t.Errorf("honest handshake took %v", honest)
	}

	// Every attacker is cut by the handshake deadline (or evicted earlier).
	time.Sleep(time.Until(lastOpened.Add(deadline + 500*time.Millisecond)))
	stop()
	for i, c := range append(trickle, silent...) {
		if !cutWithin(c, 10*time.Millisecond) {
			t.Fatalf("attacker %d still open after the deadline", i)
		}
		c.Close()
	}
	stats := ln.Stats()
	t.Logf("honest handshake %v; listener %+v", honest, stats)
	d.Close()
	a.Close()
	ln.Close()

	waitFor(t, func() bool { return runtime.NumGoroutine() <= baseG })
	goleak.VerifyNone(t)
	waitFor(t, func() bool { return openFDs(t) <= baseFD+3 })
	t.Logf("goroutines %d (baseline %d), fds %d (baseline %d)", runtime.NumGoroutine(), baseG, openFDs(t), baseFD)
	return stats
}

var _ io.Closer = (*Listener)(nil)
