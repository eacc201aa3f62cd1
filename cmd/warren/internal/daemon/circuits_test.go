package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/circmgr"
	"github.com/warrennet/warren/overlay/record"
)

// echoThrough opens a stream from a's circuit manager to the echo service
// at b and echoes size bytes; it returns how long the circuit and stream
// took to open.
func echoThrough(t *testing.T, a, b *tnode, size int) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, ok := a.n.book.Get(b.id)
	if !ok {
		t.Fatalf("node does not know the destination")
	}
	dest := circmgr.Relay{NodeID: in.Record.NodeID, OnionKey: in.Record.OnionKey, Epoch: in.Record.OnionEpoch, Record: in.Raw}
	start := time.Now()
	s, err := a.n.circMgr.OpenStream(ctx, circmgr.Purpose{Kind: "test", Key: b.id.String()}, dest, "echo")
	if err != nil {
		t.Fatalf("stream to node's echo: %v", err)
	}
	took := time.Since(start)
	defer s.Close()
	p := make([]byte, size)
	rand.Read(p)
	go s.Write(p)
	got := make([]byte, size)
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, p) {
		t.Fatal("echo differs")
	}
	return took
}

// TestCircuitsTCP: five relays and one client (no relay role) over
// loopback TCP. The client builds 3-hop circuits to every relay and echoes
// through them; no path ever names the client; a relay does the same.
func TestCircuitsTCP(t *testing.T) {
	nodes := makeTestnet(t, 6)
	client := nodes[5]
	client.roles = 0
	for _, tn := range nodes {
		tn.start(t)
	}
	waitUntil(t, gossipBound, "every node knows every record", func() bool { return knowsAll(nodes) })
	for i := range 5 {
		echoThrough(t, client, nodes[i], 256<<10)
	}
	echoThrough(t, nodes[0], nodes[3], 64<<10)
	for _, tn := range nodes {
		for _, c := range tn.n.circ.Circuits() {
			// 3 hops, or 2 for a pre-built one waiting for a destination.
			if len(c.Hops) < 2 || len(c.Hops) > 3 || slices.Contains(c.Hops, client.id) || (len(c.Hops) == 3) != (c.Purpose == "test") {
				t.Fatalf("a circuit's path %v, purpose %q (the client must never be a hop)", c.Hops, c.Purpose)
			}
		}
	}
	if in, _ := nodes[0].n.book.Get(client.id); in.Record.Roles.Has(record.RoleRelay) {
		t.Fatal("the client announces the relay role")
	}
	if st := client.n.circ.Stats(); st.Created != 0 {
		t.Fatalf("the client relayed %d circuits", st.Created)
	}
}
