package circuit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/overlay/identity"
)

// gate blocks a link's sends while its lock is held, like a peer that
// stopped reading.
type gate struct {
	circuit.Conn
	mu *sync.RWMutex
}

func (g *gate) SendBatch(ps [][]byte) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.Conn.SendBatch(ps)
}

func (g *gate) Send(p []byte) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.Conn.Send(p)
}

// TestOutOfMemoryKillsStalest: the middle relay's link to the last hop
// stops draining, so cells of three circuits pile up in its queues; with
// the node's cap at 1,200 queued cells, the out-of-memory policy destroys
// the circuit whose oldest queued cell is oldest (the first one filled),
// keeps the newest, and the queued total falls back under the cap.
func TestOutOfMemoryKillsStalest(t *testing.T) {
	var block sync.RWMutex
	var lastID identity.NodeID
	nw, c := startNet(t, 3, circnet.Options{
		Configure: func(i int, cfg *circuit.Config) {
			if i == 1 {
				cfg.MaxQueued = 1200
			}
		},
		Wrap: func(i int, conn circuit.Conn) circuit.Conn {
			if i == 1 && conn.Peer().NodeID == lastID && conn.Peer().Initiator {
				return &gate{Conn: conn, mu: &block}
			}
			return conn
		},
	})
	lastID = nw.Relays[2].Keys.NodeID()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := c.Dial(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var circs []*circuit.Circuit
	var streams []*circuit.Stream
	for range 3 {
		circ, err := c.Node.Build(ctx, ch, nw.Path(0, 1, 2), "oom")
		if err != nil {
			t.Fatal(err)
		}
		s, err := circ.OpenStream(ctx, "discard")
		if err != nil {
			t.Fatal(err)
		}
		circs, streams = append(circs, circ), append(streams, s)
	}
	// Now block relay 1 → relay 2 and fill the circuits one after another.
	block.Lock()
	defer block.Unlock()
	for i, s := range streams {
		go s.Write(make([]byte, circuit.StreamWindow*cell.MaxData))
		deadline := time.Now().Add(10 * time.Second)
		for nw.Relays[1].Node.Stats().QueuedCells < int64(400*(i+1)) && circs[0].Alive() {
			if time.Now().After(deadline) {
				t.Fatalf("relay 1 queued only %d cells", nw.Relays[1].Node.Stats().QueuedCells)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitDead(t, circs[0])
	if !circs[2].Alive() {
		t.Fatal("the newest circuit was killed")
	}
	st := nw.Relays[1].Node.Stats()
	if st.OOMKill == 0 || st.QueuedCells > 1200 {
		t.Fatalf("relay 1: %d OOM kills, %d cells queued (cap 1200)", st.OOMKill, st.QueuedCells)
	}
	t.Logf("OOM: relay 1 (cap 1,200 cells) destroyed %d circuit(s), the stalest first; %d cells left queued", st.OOMKill, st.QueuedCells)
}
