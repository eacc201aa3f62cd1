package circuit_test

import (
	"context"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
)

// Received stream data a service does not read is bounded per circuit by
// the circuit window, however many streams the client opens (circuit
// SENDMEs go out as data is read), and across the node by MaxStreamCells.
func TestStreamBuffersBounded(t *testing.T) {
	t.Run("per circuit", func(t *testing.T) {
		nw, c := startNet(t, 3, circnet.Options{})
		nw.Relays[2].Services.Register("stall", func(s *circuit.Stream) { time.Sleep(2 * time.Second) })
		circ := buildPath(t, c, nw)
		for range 4 {
			s, err := circ.OpenStream(context.Background(), "stall")
			if err != nil {
				t.Fatal(err)
			}
			go s.Write(make([]byte, circuit.StreamWindow*cell.MaxData))
		}
		time.Sleep(500 * time.Millisecond)
		if got := nw.Relays[2].Node.Stats().StreamCells; got > circuit.CircWindow || got < circuit.CircWindow-1 {
			t.Fatalf("the last hop buffers %d unread cells for one circuit (window %d)", got, circuit.CircWindow)
		}
		if !circ.Alive() {
			t.Fatal("a client within its windows lost its circuit")
		}
	})
	t.Run("per node", func(t *testing.T) {
		nw, c := startNet(t, 3, circnet.Options{Configure: func(i int, cfg *circuit.Config) {
			if i == 2 {
				cfg.MaxStreamCells = 600
			}
		}})
		nw.Relays[2].Services.Register("stall", func(s *circuit.Stream) { time.Sleep(2 * time.Second) })
		circ := buildPath(t, c, nw)
		s, err := circ.OpenStream(context.Background(), "stall")
		if err != nil {
			t.Fatal(err)
		}
		s2, err := circ.OpenStream(context.Background(), "stall")
		if err != nil {
			t.Fatal(err)
		}
		go s.Write(make([]byte, circuit.StreamWindow*cell.MaxData))
		go s2.Write(make([]byte, circuit.StreamWindow*cell.MaxData))
		waitDead(t, circ)
		if got := nw.Relays[2].Node.Stats().StreamCells; got > 600 {
			t.Fatalf("the node buffers %d stream cells (cap 600)", got)
		}
	})
}

func buildPath(t *testing.T, c *circnet.Client, nw *circnet.Net) *circuit.Circuit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch, err := c.Dial(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	circ, err := c.Node.Build(ctx, ch, nw.Path(0, 1, 2), "test")
	if err != nil {
		t.Fatal(err)
	}
	return circ
}

// TestStreamUnitIsCellData keeps the constant messaging pads to equal to
// what one cell carries.
func TestStreamUnitIsCellData(t *testing.T) {
	if circapi.StreamUnit != cell.MaxData {
		t.Fatalf("circapi.StreamUnit = %d, cell.MaxData = %d", circapi.StreamUnit, cell.MaxData)
	}
}
