package circuit_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/overlay/link"
)

// An EXTEND immediately followed by the client's DESTROY must not leave a
// circuit at the next relay (it would hold one of its circuit slots for
// good): whatever the race, the next relay ends with nothing.
func TestExtendThenDestroyLeavesNothing(t *testing.T) {
	nw, err := circnet.New(3, circnet.Options{Configure: unlimited})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := nw.Relays[2]
	ch, err := nw.DialFirst(ctx, client.Node, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		c, err := client.Node.Build(ctx, ch, nw.Path(0), "race")
		if err != nil {
			t.Fatal(err)
		}
		go c.Extend(ctx, nw.Hop(1))
		time.Sleep(time.Duration(i%40) * 10 * time.Microsecond)
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for nw.Relays[0].Node.Stats().Relayed+nw.Relays[1].Node.Stats().Relayed > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after every client circuit closed: first relay holds %d, next relay %d",
				nw.Relays[0].Node.Stats().Relayed, nw.Relays[1].Node.Stats().Relayed)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// createFlood is a peer that sends CREATEs (that will be refused) as fast
// as it can and never lets a write complete.
type createFlood struct {
	n     atomic.Int64
	block chan struct{}
}

func (f *createFlood) Send([]byte) error        { <-f.block; return errors.New("closed") }
func (f *createFlood) SendBatch([][]byte) error { <-f.block; return errors.New("closed") }
func (f *createFlood) Close() error             { return nil }
func (f *createFlood) Peer() link.PeerInfo      { return link.PeerInfo{} }
func (f *createFlood) Recv() ([]byte, error) {
	if f.n.Load() >= 20000 {
		<-f.block
		return nil, errors.New("closed")
	}
	id := f.n.Add(1)
	c, _ := cell.Create(cell.DialerBit|uint32(id), cell.HandshakeNK, make([]byte, 60))
	return c[:], nil
}

// The DESTROYs a node answers refused CREATEs with are bounded per link:
// a peer that floods CREATEs and never reads costs a fixed amount.
func TestRefusalsBounded(t *testing.T) {
	n, err := circuit.New(circuit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &createFlood{block: make(chan struct{})}
	if err := n.Attach(f); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.n.Load() < 20000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if q := n.Stats().QueuedCells; q > 512 { // the control queue (256) and one batch in the blocked writer
		t.Fatalf("%d refusal cells queued for one link", q)
	}
	close(f.block)
	n.Close()
}
