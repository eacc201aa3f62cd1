package circuit_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
)

func waitDead(t *testing.T, c *circuit.Circuit) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.Alive(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("circuit still up 5 s after a protocol violation")
		}
	}
}

func build3(t *testing.T) (*circuit.Circuit, *circuitNet) {
	t.Helper()
	nw, c := startNet(t, 3, circnetOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	circ, _, err := c.Build(ctx, 0, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	return circ, &circuitNet{nw, c}
}

// R13: a circuit-level SENDME the last hop does not expect, or with a tag
// that is not the one it waits for, destroys the circuit.
func TestForgedSendme(t *testing.T) {
	t.Run("unexpected", func(t *testing.T) {
		circ, _ := build3(t)
		var tag [cell.SendmeTagLen]byte
		if err := circuit.SendToLast(circ, cell.CircuitSendmeMsg(&tag)); err != nil {
			t.Fatal(err)
		}
		waitDead(t, circ)
	})
	t.Run("after traffic", func(t *testing.T) {
		circ, net := build3(t)
		// The service sends 150 cells; the client's honest SENDME for
		// the 100th is accepted, then one more (forged) is not.
		net.nw.Relays[2].Services.Register("burst", func(s *circuit.Stream) {
			s.Write(make([]byte, 150*cell.MaxData))
			io.Copy(io.Discard, s)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := circ.OpenStream(ctx, "burst")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(s, make([]byte, 150*cell.MaxData)); err != nil {
			t.Fatal(err)
		}
		tag := [cell.SendmeTagLen]byte{1, 2, 3}
		if err := circuit.SendToLast(circ, cell.CircuitSendmeMsg(&tag)); err != nil {
			t.Fatal(err)
		}
		waitDead(t, circ)
	})
	t.Run("stream window overflow", func(t *testing.T) {
		circ, _ := build3(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := circ.OpenStream(ctx, "discard")
		if err != nil {
			t.Fatal(err)
		}
		_ = s
		// A stream SENDME the service never earned: its window would
		// pass StreamWindow.
		if err := circuit.SendToLast(circ, cell.StreamSendmeMsg(1)); err != nil {
			t.Fatal(err)
		}
		waitDead(t, circ)
	})
}

// R13: a client that never reads a stream stops its service after one
// stream window; nothing queues beyond the windows.
func TestReaderNeverReads(t *testing.T) {
	circ, net := build3(t)
	wrote := make(chan int, 1)
	net.nw.Relays[2].Services.Register("flood", func(s *circuit.Stream) {
		total := 0
		buf := make([]byte, cell.MaxData)
		for {
			n, err := s.Write(buf)
			total += n
			if err != nil {
				break
			}
			select {
			case wrote <- total:
			default:
				<-wrote
				wrote <- total
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := circ.OpenStream(ctx, "flood"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // long enough to overrun any window on loopback
	got := <-wrote
	if got > circuit.StreamWindow*cell.MaxData {
		t.Fatalf("the service wrote %d bytes to a stream nobody reads (window %d)", got, circuit.StreamWindow*cell.MaxData)
	}
	if got < circuit.StreamWindow*cell.MaxData {
		t.Fatalf("the service wrote only %d bytes (a window is %d)", got, circuit.StreamWindow*cell.MaxData)
	}
	var queued int64
	for _, r := range net.nw.Relays {
		queued += r.Node.Stats().QueuedCells
	}
	if queued != 0 {
		t.Fatalf("%d cells still queued on relays with the stream blocked", queued)
	}
	t.Logf("R13: a stream nobody reads stopped its service after %d bytes (%d cells, one stream window); 0 cells left queued", got, got/cell.MaxData)
}
