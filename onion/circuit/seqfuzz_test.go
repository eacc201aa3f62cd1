package circuit

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/onion/relaycrypto"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// pipeConn is an in-memory Conn: the test feeds cells in and reads what
// the node sends out.
type pipeConn struct {
	in     chan []byte
	out    chan []byte
	closed chan struct{}
	once   sync.Once
}

func newPipeConn() *pipeConn {
	return &pipeConn{in: make(chan []byte, 64), out: make(chan []byte, 4096), closed: make(chan struct{})}
}

func (p *pipeConn) Recv() ([]byte, error) {
	select {
	case b, ok := <-p.in:
		if !ok {
			return nil, io.EOF
		}
		return b, nil
	case <-p.closed:
		return nil, io.EOF
	}
}

func (p *pipeConn) Send(b []byte) error { return p.SendBatch([][]byte{b}) }

func (p *pipeConn) SendBatch(bs [][]byte) error {
	for _, b := range bs {
		select {
		case p.out <- append([]byte(nil), b...):
		case <-p.closed:
			return errors.New("closed")
		default: // a test that stopped reading: drop
		}
	}
	return nil
}

func (p *pipeConn) Close() error        { p.once.Do(func() { close(p.closed) }); return nil }
func (p *pipeConn) Peer() link.PeerInfo { return link.PeerInfo{Initiator: false} }

// fuzzRelay is a relay node with one open circuit from a client the test
// plays: it can send properly layered relay messages of its choosing.
type fuzzRelay struct {
	n      *Node
	conn   *pipeConn
	client relaycrypto.Client
	id     uint32
}

var fuzzNet = [32]byte{7}

func newFuzzRelay(t testing.TB) *fuzzRelay {
	onion, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := handshake.NewServer(handshake.ServerConfig{NetworkID: fuzzNet, Floor: time.Unix(1, 0),
		Keys: func(e uint32) (*ecdh.PrivateKey, bool) { return onion, e == 1 }})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{NetworkID: fuzzNet, Handshake: hs, CreateWorkers: 1,
		Verify: func(b []byte) (*record.Record, error) { return nil, errors.New("no extension in the fuzzer") }})
	if err != nil {
		t.Fatal(err)
	}
	f := &fuzzRelay{n: n, conn: newPipeConn(), id: cell.DialerBit | 1}
	if err := n.Attach(f.conn); err != nil {
		t.Fatal(err)
	}
	c, msg, err := handshake.NewClient(fuzzNet, [32]byte(onion.PublicKey().Bytes()), 1, time.Now(), rand.Reader)
	if err != nil {
		t.Error(err)
		return nil
	}
	create, _ := cell.Create(f.id, cell.HandshakeNK, msg)
	f.conn.in <- create[:]
	reply, err := cell.Parse(<-f.conn.out)
	if err != nil || reply.Cmd() != cell.CmdCreated {
		t.Errorf("no CREATED: %v %v", reply.Cmd(), err)
		return nil
	}
	h, _ := reply.CreatedBody()
	keys, _, err := c.Finish(h, relaycrypto.HopKeyLen)
	if err == nil {
		err = f.client.AddHop(keys)
	}
	if err != nil {
		t.Error(err)
		return nil
	}
	return f
}

// step sends one cell derived from b: a layered relay message (the
// common case, so the fuzzer reaches the relay's and the edge's states),
// or a raw cell.
func (f *fuzzRelay) step(b []byte) {
	if len(b) == 0 {
		return
	}
	kind, b := b[0], b[1:]
	var c cell.Cell
	switch kind % 4 {
	case 0, 1: // a relay message the relay will recognise
		c.SetHeader(f.id, cell.CmdRelay)
		if kind&0x10 != 0 {
			c.SetHeader(f.id, cell.CmdRelayEarly)
		}
		_, msg := c.RelayParts()
		copy(msg[:], b)
		f.client.Originate(0, byte(c.Cmd()), c.Body())
	case 2: // a raw cell, any header
		copy(c[:], b)
	case 3: // a raw cell on the open circuit
		copy(c[5:], b)
		c.SetHeader(f.id, cell.Command(kind>>4))
	}
	select {
	case f.conn.in <- append([]byte(nil), c[:]...):
	case <-f.conn.closed: // the relay closed the link: the rest is ignored
	}
}

// FuzzRelaySequence (R1): sequences of cells — layered relay messages with
// fuzzed contents (BEGIN, DATA, SENDME, END, EXTEND, …), and raw cells with
// any header — against a relay holding one open circuit. The relay must
// never panic, and after closing it holds no queued cells.
func FuzzRelaySequence(f *testing.F) {
	seed := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, byte(len(p)))
			out = append(out, p...)
		}
		return out
	}
	begin := []byte{0, 1, 0, 1, 0, 4, 'e', 'c', 'h', 'o'}
	data := []byte{0, 2, 0, 1, 0, 3, 'a', 'b', 'c'}
	sendme := []byte{0, 5, 0, 0, 0, 17, 1}
	end := []byte{0, 3, 0, 1, 0, 1, 0}
	f.Add(seed(begin, data, data, end))
	f.Add(seed(begin, sendme))
	f.Add(seed([]byte{2, 0, 0, 0, 0, 5, 1}, data))
	f.Add(seed([]byte{0x13, 9, 9}))
	f.Fuzz(func(t *testing.T, in []byte) {
		done := make(chan struct{})
		var fr *fuzzRelay
		go func() {
			defer close(done)
			if fr = newFuzzRelay(t); fr == nil {
				return
			}
			for len(in) > 0 {
				n := min(int(in[0]), len(in)-1)
				fr.step(in[1 : 1+n])
				in = in[1+n:]
			}
			fr.conn.Close()
			fr.n.Close()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("the relay hung:\n%s", buf[:runtime.Stack(buf, true)])
		}
		if fr == nil {
			return
		}
		if q := fr.n.Stats().QueuedCells; q != 0 {
			t.Fatalf("%d cells still counted as queued after close", q)
		}
	})
}
