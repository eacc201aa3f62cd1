package circuit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/overlay/identity"
)

// tamperer flips one bit of the next RELAY cell a relay receives from its
// previous hop (forward) or sends to it (backward), once armed.
type tamperer struct {
	fwd, bwd atomic.Bool
	bit      atomic.Int64
	flipped  atomic.Int64
}

func (tp *tamperer) flip(b []byte, armed *atomic.Bool) {
	if len(b) == cell.Size && cell.Command(b[4]) == cell.CmdRelay && armed.CompareAndSwap(true, false) {
		bit := int(tp.bit.Load())
		b[cell.HeaderLen+bit/8] ^= 1 << (bit % 8)
		tp.flipped.Add(1)
	}
}

type tamperConn struct {
	circuit.Conn
	tp *tamperer
}

func (c *tamperConn) Recv() ([]byte, error) {
	b, err := c.Conn.Recv()
	if err == nil {
		c.tp.flip(b, &c.tp.fwd)
	}
	return b, err
}

func (c *tamperConn) Send(p []byte) error {
	c.tp.flip(p, &c.tp.bwd)
	return c.Conn.Send(p)
}

func (c *tamperConn) SendBatch(ps [][]byte) error {
	for _, p := range ps {
		c.tp.flip(p, &c.tp.bwd)
	}
	return c.Conn.SendBatch(ps)
}

// tagNet is a 3-relay network whose relay at hop `at` tampers on demand;
// its last hop offers "rec" (records what it reads) and "reply" (answers
// each byte read with a 400-byte message).
type tagNet struct {
	nw     *circnet.Net
	client *circnet.Client
	ch     *circuit.Channel
	tp     *tamperer
	mu     sync.Mutex
	got    bytes.Buffer
}

var replyMsg = bytes.Repeat([]byte("tag"), 133)

func newTagNet(t *testing.T, at int) *tagNet {
	tn := &tagNet{tp: new(tamperer)}
	var prevIDs [3]identity.NodeID
	nw, err := circnet.New(3, circnet.Options{Configure: unlimited, Wrap: func(i int, c circuit.Conn) circuit.Conn {
		if i == at && c.Peer().NodeID == prevIDs[at] {
			return &tamperConn{Conn: c, tp: tn.tp}
		}
		return c
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nw.Close)
	for i := 1; i < 3; i++ {
		prevIDs[i] = nw.Relays[i-1].Keys.NodeID()
	}
	nw.Relays[2].Services.Register("rec", func(s *circuit.Stream) {
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			tn.mu.Lock()
			tn.got.Write(buf[:n])
			tn.mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	nw.Relays[2].Services.Register("reply", func(s *circuit.Stream) {
		b := make([]byte, 1)
		for {
			if _, err := s.Read(b); err != nil {
				return
			}
			if _, err := s.Write(replyMsg); err != nil {
				return
			}
		}
	})
	tn.nw = nw
	if tn.client, err = nw.NewClient(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tn.client.Close)
	if tn.ch, err = tn.client.Dial(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	return tn
}

// trial builds a circuit, opens a stream, has the tamperer flip bit of
// the next relay cell in one direction, and reports whether the circuit
// died without any tampered plaintext reaching the service or the
// client.
func (tn *tagNet) trial(ctx context.Context, forward bool, bit int) error {
	circ, err := tn.client.Node.Build(ctx, tn.ch, tn.nw.Path(0, 1, 2), "tagging")
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer circ.Close()
	svc := "reply"
	if forward {
		svc = "rec"
	}
	s, err := circ.OpenStream(ctx, svc)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	tn.mu.Lock()
	tn.got.Reset()
	tn.mu.Unlock()
	tn.tp.bit.Store(int64(bit))
	if forward {
		tn.tp.fwd.Store(true)
		if _, err := s.Write(replyMsg); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	} else {
		tn.tp.bwd.Store(true)
		if _, err := s.Write([]byte{1}); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		n, err := io.ReadFull(s, make([]byte, len(replyMsg)))
		if err == nil || n > 0 {
			return fmt.Errorf("the client read %d bytes of a tampered cell", n)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); circ.Alive(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return errors.New("circuit still up 5 s after a tampered cell")
		}
	}
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if tn.got.Len() != 0 {
		return fmt.Errorf("the service received %d bytes of a tampered cell", tn.got.Len())
	}
	return nil
}

// TestTaggingR9: one random bit of a relay cell is flipped by the relay at
// hop 1, 2 and 3 (forward: as it receives a DATA cell from the client's
// side; backward: as it sends a DATA cell towards the client), trials per
// hop split between the directions. Every circuit must be destroyed and
// no tampered plaintext may reach the service or the client.
func TestTaggingR9(t *testing.T) {
	trials := tagTrials()
	const nets = 4
	for at := range 3 {
		var destroyed, failed atomic.Int64
		var wg sync.WaitGroup
		var firstErr atomic.Value
		tns := make([]*tagNet, nets)
		for w := range nets {
			tn := newTagNet(t, at)
			tns[w] = tn
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(at), uint64(w)))
				for i := w; i < trials; i += nets {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					err := tn.trial(ctx, i%2 == 0, rng.IntN(cell.BodyLen*8))
					cancel()
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					destroyed.Add(1)
				}
			}()
		}
		wg.Wait()
		var integrity uint64
		for _, tn := range tns {
			integrity += tn.client.Node.Stats().Integrity
			for _, r := range tn.nw.Relays {
				integrity += r.Node.Stats().Integrity
			}
		}
		if integrity != uint64(trials) {
			t.Errorf("hop %d: %d integrity failures counted for %d tampered cells", at+1, integrity, trials)
		}
		if failed.Load() > 0 {
			t.Errorf("hop %d: %d of %d trials failed; first: %v", at+1, failed.Load(), trials, firstErr.Load())
		}
		t.Logf("R9: bit flipped at hop %d in %d relay cells (half forward, half backward): %d circuits destroyed, 0 tampered plaintexts delivered",
			at+1, trials, destroyed.Load())
	}
}

func tagTrials() int {
	switch {
	case testing.Short():
		return 200
	case raceBuild:
		return 600
	}
	return 10000
}

// unlimited lifts the per-link CREATE limits for tests that build many
// circuits quickly over one link.
func unlimited(_ int, c *circuit.Config) {
	c.ClientCreateRate, c.ClientCreateBurst = 1e9, 1e9
}
