package link

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDataBothWays(t *testing.T) {
	client, server := newNode(t), newNode(t)
	c1, c2 := tcpPair(t)
	d, a, derr, aerr := handshakePair(t, c1, c2, client.config(), server.config(), server.remote(), NewReplayGuard(ReplayConfig{}))
	if derr != nil || aerr != nil {
		t.Fatal(derr, aerr)
	}
	defer d.Close()
	defer a.Close()
	const n = 2000
	var wg sync.WaitGroup
	for _, pair := range [][2]*Link{{d, a}, {a, d}} {
		s, r := pair[0], pair[1]
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := s.Send(payloadFor(i)); err != nil {
					t.Errorf("Send %d: %v", i, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				got, err := r.Recv()
				if err != nil || !bytes.Equal(got, payloadFor(i)) {
					t.Errorf("Recv %d: %d bytes, %v", i, len(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// payloadFor is a deterministic payload of a size that depends on i,
// covering every class and its edges.
func payloadFor(i int) []byte {
	sizes := []int{0, 1, CellSize - 1, CellSize, CellSize + 1, 2048, 2049, 16384, 16385, MaxPayload}
	n := sizes[i%len(sizes)]
	if i%3 == 0 {
		n = i % 3000
	}
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i + j)
	}
	return b
}

func TestSendBatch(t *testing.T) {
	client, server := newNode(t), newNode(t)
	c1, c2 := tcpPair(t)
	d, a, derr, aerr := handshakePair(t, c1, c2, client.config(), server.config(), server.remote(), NewReplayGuard(ReplayConfig{}))
	if derr != nil || aerr != nil {
		t.Fatal(derr, aerr)
	}
	defer d.Close()
	defer a.Close()
	var batch [][]byte
	for i := 0; i < 64; i++ {
		batch = append(batch, bytes.Repeat([]byte{byte(i)}, CellSize))
	}
	batch = append(batch, payloadFor(9), nil, payloadFor(7))
	for i := 0; i < 5; i++ { // over 256 KiB in all: several writes
		batch = append(batch, bytes.Repeat([]byte{0xEE}, MaxPayload))
	}
	errc := make(chan error, 1)
	go func() { errc <- d.SendBatch(batch) }()
	for i, want := range batch {
		got, err := a.Recv()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v", i, len(got), err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := d.SendBatch([][]byte{{1}, make([]byte, MaxPayload+1)}); err != ErrTooLarge {
		t.Fatalf("oversize batch: %v", err)
	}
	if err := d.Send(make([]byte, MaxPayload+1)); err != ErrTooLarge {
		t.Fatalf("oversize Send: %v", err)
	}
	exchange(t, d, a, []byte("still up"))
}

func TestKeepaliveKeepsIdleLinkAlive(t *testing.T) {
	client, server := newNode(t), newNode(t)
	dc, ac := client.config(), server.config()
	for _, c := range []*Config{dc, ac} {
		c.KeepaliveInterval = 50 * time.Millisecond
		c.IdleTimeout = 300 * time.Millisecond
	}
	d, a := linkPair(t, dc, ac, server.remote())
	got := make(chan string, 2)
	for _, l := range []*Link{d, a} {
		go func() {
			p, err := l.Recv()
			got <- fmt.Sprintf("%s %v", p, err)
		}()
	}
	time.Sleep(1200 * time.Millisecond) // 4x the idle timeout, nothing sent
	if err := d.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := a.Send([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	r1, r2 := <-got, <-got
	if !(r1 == "ping <nil>" && r2 == "pong <nil>" || r1 == "pong <nil>" && r2 == "ping <nil>") {
		t.Fatalf("after idle: %q, %q", r1, r2)
	}
	if d.Stats().RecvKeepalives < 10 || a.Stats().RecvKeepalives < 10 {
		t.Fatalf("keepalives received: %d, %d", d.Stats().RecvKeepalives, a.Stats().RecvKeepalives)
	}
}

// freezeConn swallows writes after freeze: the peer looks alive at the TCP
// level but sends nothing, not even keepalives.
type freezeConn struct {
	net.Conn
	frozen atomic.Bool
}

func (f *freezeConn) Write(p []byte) (int, error) {
	if f.frozen.Load() {
		return len(p), nil
	}
	return f.Conn.Write(p)
}

func TestDeadPeerDetected(t *testing.T) {
	client, server := newNode(t), newNode(t)
	dc, ac := client.config(), server.config()
	for _, c := range []*Config{dc, ac} {
		c.KeepaliveInterval = 30 * time.Millisecond
		c.IdleTimeout = 300 * time.Millisecond
	}
	c1, c2 := tcpPair(t)
	fc := &freezeConn{Conn: c2}
	d, a, derr, aerr := handshakePair(t, c1, fc, dc, ac, server.remote(), NewReplayGuard(ReplayConfig{}))
	if derr != nil || aerr != nil {
		t.Fatal(derr, aerr)
	}
	defer d.Close()
	defer a.Close()
	exchange(t, a, d, []byte("alive"))
	fc.frozen.Store(true)
	start := time.Now()
	_, err := d.Recv()
	el := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Recv from dead peer: %v", err)
	}
	if el < 250*time.Millisecond || el > 800*time.Millisecond {
		t.Fatalf("dead peer detected after %v, want about the 300ms idle timeout", el)
	}
	if d.Send([]byte("x")) == nil {
		t.Fatal("Send succeeded on a dead link")
	}
}

func TestRekeyByMessages(t *testing.T) {
	client, server := newNode(t), newNode(t)
	dc, ac := client.config(), server.config()
	dc.RekeyMessages, ac.RekeyMessages = 10, 7
	d, a := linkPair(t, dc, ac, server.remote())
	const n = 500
	go func() {
		for i := 0; i < n; i++ {
			d.Send(payloadFor(i))
			if i%2 == 0 {
				a.Send([]byte{byte(i)})
			}
		}
	}()
	for i := 0; i < n; i++ {
		got, err := a.Recv()
		if err != nil || !bytes.Equal(got, payloadFor(i)) {
			t.Fatalf("frame %d: %v", i, err)
		}
		if i%2 == 0 {
			if got, err := d.Recv(); err != nil || got[0] != byte(i) {
				t.Fatalf("reverse frame %d: %v", i, err)
			}
		}
	}
	ds, as := d.Stats(), a.Stats()
	if ds.SentRekeys < n/10-1 || as.RecvRekeys != ds.SentRekeys || as.SentRekeys < n/2/7-1 || ds.RecvRekeys != as.SentRekeys {
		t.Fatalf("rekeys: dialer %+v, acceptor %+v", ds, as)
	}
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestRekeyByTime(t *testing.T) {
	client, server := newNode(t), newNode(t)
	clk := newFakeClock()
	dc, ac := client.config(), server.config()
	dc.Now, ac.Now = clk.Now, clk.Now
	d, a := linkPair(t, dc, ac, server.remote())
	for round := 0; round < 5; round++ {
		for i := 0; i < 20; i++ {
			exchange(t, d, a, payloadFor(i))
			exchange(t, a, d, payloadFor(i+1))
		}
		clk.Advance(DefaultRekeyInterval + time.Second)
	}
	ds, as := d.Stats(), a.Stats()
	if ds.SentRekeys != 4 || as.SentRekeys != 4 || as.RecvRekeys != 4 || ds.RecvRekeys != 4 {
		t.Fatalf("rekeys: dialer %+v, acceptor %+v; want 4 each way", ds, as)
	}
}

func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	client, server := newNode(t), newNode(t)
	d, a := linkPair(t, client.config(), server.config(), server.remote())
	recvErr := make(chan error, 1)
	go func() {
		_, err := d.Recv()
		recvErr <- err
	}()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); d.Close() }()
	}
	wg.Wait()
	if err := <-recvErr; err != ErrClosed {
		t.Fatalf("blocked Recv after Close: %v", err)
	}
	if _, err := a.Recv(); err == nil {
		t.Fatal("peer Recv succeeded after Close")
	}
}

func TestConcurrentSenders(t *testing.T) {
	client, server := newNode(t), newNode(t)
	d, a := linkPair(t, client.config(), server.config(), server.remote())
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if i%10 == 0 {
					d.SendBatch([][]byte{{byte(s)}, {byte(s)}})
					i++
					continue
				}
				d.Send([]byte{byte(s)})
			}
		}()
	}
	counts := make([]int, senders)
	for i := 0; i < senders*each; i++ {
		p, err := a.Recv()
		if err != nil {
			t.Fatal(err)
		}
		counts[p[0]]++
	}
	wg.Wait()
	for s, c := range counts {
		if c != each {
			t.Fatalf("sender %d: %d frames", s, c)
		}
	}
}

func TestRandomSizesRoundTrip(t *testing.T) {
	client, server := newNode(t), newNode(t)
	d, a := linkPair(t, client.config(), server.config(), server.remote())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		p := make([]byte, rng.IntN(MaxPayload+1))
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		exchange(t, d, a, p)
	}
}

func TestErrorsNameNoAddress(t *testing.T) {
	client, server := newNode(t), newNode(t)
	dc := client.config()
	dc.IdleTimeout, dc.KeepaliveInterval = 100*time.Millisecond, 50*time.Millisecond
	c1, c2 := tcpPair(t)
	fc := &freezeConn{Conn: c2}
	d, a, derr, aerr := handshakePair(t, c1, fc, dc, server.config(), server.remote(), NewReplayGuard(ReplayConfig{}))
	if derr != nil || aerr != nil {
		t.Fatal(derr, aerr)
	}
	defer a.Close()
	defer d.Close()
	fc.frozen.Store(true)
	_, err := d.Recv()
	if err == nil || strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error %q", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("cause lost: %v", err)
	}
}
