package circuit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
)

func startNet(t *testing.T, n int, opts circnet.Options) (*circnet.Net, *circnet.Client) {
	t.Helper()
	nw, err := circnet.New(n, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	c, err := nw.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return nw, c
}

// echo writes p through a stream to the echo service and reads it back.
func echo(t *testing.T, circ *circuit.Circuit, p []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := circ.OpenStream(ctx, "echo")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errc := make(chan error, 1)
	go func() { _, err := s.Write(p); errc <- err }()
	got := make([]byte, len(p))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, p) {
		t.Fatal("echo differs from what was sent")
	}
}

// TestEchoThreeHopsTCP: a client builds a 3-hop circuit over real Noise
// links on loopback TCP and echoes 2 MB through it (more than the circuit
// and stream windows, so SENDMEs must flow both ways).
func TestEchoThreeHopsTCP(t *testing.T) {
	nw, c := startNet(t, 3, circnet.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	circ, _, err := c.Build(ctx, 0, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3-hop build over loopback TCP: %s", time.Since(start))
	p := make([]byte, 2<<20)
	rand.Read(p)
	echo(t, circ, p)
	info := circ.Info()
	if len(info.Hops) != 3 || info.Hops[2] != nw.Relays[2].Keys.NodeID() {
		t.Fatalf("circuit info: %+v", info)
	}
	circ.Close()
}

// A stream to a service the last hop does not offer is refused, and the
// circuit stays usable.
func TestNoSuchService(t *testing.T) {
	_, c := startNet(t, 2, circnet.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	circ, _, err := c.Build(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := circ.OpenStream(ctx, "nope"); err != circuit.ErrNoService {
		t.Fatalf("OpenStream(nope) = %v, want ErrNoService", err)
	}
	echo(t, circ, []byte("still here"))
}

type circuitNet struct {
	nw *circnet.Net
	c  *circnet.Client
}

func circnetOptions() circnet.Options { return circnet.Options{} }

// A 2-hop circuit extended later to a third hop carries streams to the
// new last hop (the manager's pre-built circuits work this way).
func TestExtendLater(t *testing.T) {
	nw, c := startNet(t, 3, circnet.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	circ, _, err := c.Build(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := circ.Extend(ctx, nw.Hop(2)); err != nil {
		t.Fatal(err)
	}
	echo(t, circ, []byte("three hops now"))
	if h := circ.Info().Hops; len(h) != 3 || h[2] != nw.Relays[2].Keys.NodeID() {
		t.Fatalf("hops after Extend: %v", h)
	}
}

// An extension to a relay that is not there fails with TRUNCATED, and the
// client tears the partial circuit down at every hop.
func TestFailedExtensionTearsDown(t *testing.T) {
	nw, c := startNet(t, 3, circnet.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gone := nw.Hop(2)
	circ, _, err := c.Build(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	nw.Relays[2].Close()
	if err := circ.Extend(ctx, gone); err == nil {
		t.Fatal("extension to a closed relay succeeded")
	}
	if circ.Alive() {
		t.Fatal("the partial circuit survived a failed extension")
	}
	deadline := time.Now().Add(5 * time.Second)
	for nw.Relays[0].Node.Stats().Relayed+nw.Relays[1].Node.Stats().Relayed > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("relays still hold the circuit: %d, %d", nw.Relays[0].Node.Stats().Relayed, nw.Relays[1].Node.Stats().Relayed)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
