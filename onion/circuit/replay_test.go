package circuit_test

import (
	"context"
	"crypto/ecdh"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// recorder keeps a copy of the first CREATE a relay receives.
type recorder struct {
	circuit.Conn
	mu     *sync.Mutex
	create *[]byte
}

func (r *recorder) Recv() ([]byte, error) {
	b, err := r.Conn.Recv()
	if err == nil && len(b) == cell.Size && cell.Command(b[4]) == cell.CmdCreate {
		r.mu.Lock()
		if *r.create == nil {
			*r.create = append([]byte(nil), b...)
		}
		r.mu.Unlock()
	}
	return b, err
}

// replay sends create n times on a fresh anonymous link to the relay
// behind srv (each time under a new circuit ID, as a different link or
// circuit would) and returns the DESTROY reasons it got back.
func replay(t *testing.T, conn net.Conn, rec [2][32]byte, networkID [32]byte, create []byte, n int) []cell.Reason {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := link.Dial(ctx, conn, &link.Config{NetworkID: networkID}, link.Remote{NodeID: rec[0], LinkKey: rec[1]})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var reasons []cell.Reason
	for i := range n {
		c := append([]byte(nil), create...)
		binary.BigEndian.PutUint32(c, cell.DialerBit|uint32(1000+i))
		if err := l.Send(c); err != nil {
			t.Fatal(err)
		}
		b, err := l.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got, err := cell.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Cmd() != cell.CmdDestroy {
			t.Fatalf("replay %d answered with %s, want destroy", i+1, got.Cmd())
		}
		r, _ := got.DestroyReason()
		reasons = append(reasons, r)
	}
	return reasons
}

// TestReplayR6: a CREATE recorded from a real build, replayed 1× and
// 100× to the same relay and once to the relay restarted with the same
// keys, creates no circuit: every replay is answered DESTROY (replay).
func TestReplayR6(t *testing.T) {
	var mu sync.Mutex
	var create []byte
	nw, c := startNet(t, 3, circnet.Options{Wrap: func(i int, conn circuit.Conn) circuit.Conn {
		if i == 0 {
			return &recorder{Conn: conn, mu: &mu, create: &create}
		}
		return conn
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Build(ctx, 0, 1, 2); err != nil {
		t.Fatal(err)
	}
	r0 := nw.Relays[0]
	mu.Lock()
	recorded := create
	mu.Unlock()
	if recorded == nil || r0.Node.Stats().Created != 1 {
		t.Fatalf("no CREATE recorded, or %d circuits at relay 0", r0.Node.Stats().Created)
	}
	keys := [2][32]byte{r0.Record.NodeID, r0.Record.LinkKey}
	addr, _ := r0.Record.Addrs[0].TCP()
	for _, n := range []int{1, 100} {
		conn, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range replay(t, conn, keys, nw.NetworkID, recorded, n) {
			if r != cell.ReasonReplay {
				t.Fatalf("replay %d of %d: destroy reason %s", i+1, n, r)
			}
		}
	}
	if got := r0.Node.Stats().Created; got != 1 {
		t.Fatalf("replays created %d circuits", got-1)
	}
	// The relay restarts: same keys, new handshake server and node.
	restarted := restart(t, nw, r0.Keys)
	srvConn, cliConn := net.Pipe()
	lcfg := &link.Config{NetworkID: nw.NetworkID, NodeKey: r0.Keys.Node, LinkKey: r0.Keys.Link}
	go func() {
		l, err := link.Accept(context.Background(), srvConn, lcfg, link.NewReplayGuard(link.ReplayConfig{}))
		if err == nil {
			restarted.Attach(l)
		}
	}()
	if r := replay(t, cliConn, keys, nw.NetworkID, recorded, 1); r[0] != cell.ReasonReplay {
		t.Fatalf("replay after restart: destroy reason %s", r[0])
	}
	if got := restarted.Stats().Created; got != 0 {
		t.Fatalf("a replay after restart created %d circuits", got)
	}
	t.Logf("R6: one recorded CREATE replayed 1×, 100× and after a restart: 0 circuits (all refused as replays)")
}

// restart makes a relay node with kr's keys, as after a process restart:
// a new handshake server whose floor is now.
func restart(t *testing.T, nw *circnet.Net, kr *identity.Keyring) *circuit.Node {
	hs, err := handshake.NewServer(handshake.ServerConfig{
		NetworkID: nw.NetworkID,
		Keys: func(e uint32) (*ecdh.PrivateKey, bool) {
			k, ok := kr.OnionByEpoch(e)
			return k.Private, ok && k.Private != nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := circuit.New(circuit.Config{NetworkID: nw.NetworkID, Self: kr.NodeID(), Handshake: hs, Verify: func([]byte) (*recordT, error) { return nil, errNo }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

type recordT = record.Record

var errNo = errors.New("test: no extension")
