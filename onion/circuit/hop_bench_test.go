package circuit_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/relaycrypto"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
)

// memConn runs a link handshake over a pipe, then switches to memory:
// reads come from in, writes go to out (or nowhere).
type memConn struct {
	net.Conn // the pipe, for the handshake
	mu       sync.Mutex
	mem      bool
	in       *bytes.Reader
	out      *bytes.Buffer
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	mem := c.mem
	c.mu.Unlock()
	if !mem {
		return c.Conn.Read(p)
	}
	return c.in.Read(p)
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	mem, out := c.mem, c.out
	c.mu.Unlock()
	if !mem {
		return c.Conn.Write(p)
	}
	if out != nil {
		out.Write(p)
	}
	return len(p), nil
}

func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

func (c *memConn) toMemory(in []byte, out *bytes.Buffer) {
	c.mu.Lock()
	c.mem, c.in, c.out = true, bytes.NewReader(in), out
	c.mu.Unlock()
}

// linkPair makes a link whose dialer side is returned with its conn.
func linkPair(b *testing.B) (dialer, acceptor *link.Link, dc, ac *memConn) {
	p1, p2 := net.Pipe()
	dc, ac = &memConn{Conn: p1}, &memConn{Conn: p2}
	kd, _ := identity.Generate(nil, time.Now())
	ka, _ := identity.Generate(nil, time.Now())
	netID := [32]byte{1}
	cfgD := &link.Config{NetworkID: netID, NodeKey: kd.Node, LinkKey: kd.Link, KeepaliveInterval: time.Hour, IdleTimeout: 2 * time.Hour}
	cfgA := &link.Config{NetworkID: netID, NodeKey: ka.Node, LinkKey: ka.Link, KeepaliveInterval: time.Hour, IdleTimeout: 2 * time.Hour}
	done := make(chan error, 1)
	guard := link.NewReplayGuard(link.ReplayConfig{NotBefore: time.Now().Add(-time.Minute)})
	go func() {
		var err error
		acceptor, err = link.Accept(context.Background(), ac, cfgA, guard)
		done <- err
	}()
	var err error
	dialer, err = link.Dial(context.Background(), dc, cfgD, link.Remote{NodeID: ka.NodeID(), LinkKey: ka.LinkPublic()})
	if aerr := <-done; err != nil || aerr != nil {
		b.Fatal("handshake: ", err, aerr)
	}
	return dialer, acceptor, dc, ac
}

// BenchmarkRelayHop is one relay hop's work per cell, CPU only: the link
// from the previous hop decrypts the frame, the relay layer is applied
// (a cell passing through), the link to the next hop encrypts it (in
// batches of 64, as the channel writer does). Frames are sealed before
// the timer runs; the next hop's bytes go nowhere.
func BenchmarkRelayHop(b *testing.B) {
	prevOut, in, prevConn, inConn := linkPair(b)
	out, _, outConn, _ := linkPair(b)
	keys := make([]byte, relaycrypto.HopKeyLen)
	relay, _ := relaycrypto.NewRelay(keys)
	const chunk = 1 << 14
	var wire bytes.Buffer
	prevConn.toMemory(nil, &wire)
	outConn.toMemory(nil, nil)
	c, _ := cell.Relay(cell.DialerBit|7, false, new([cell.BodyLen]byte))
	batch := make([][]byte, 0, 64)
	cells := make([]cell.Cell, 64)
	b.SetBytes(cell.Size)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(chunk, b.N-done)
		b.StopTimer()
		wire.Reset()
		for range n {
			prevOut.Send(c[:])
		}
		inConn.toMemory(wire.Bytes(), nil)
		b.StartTimer()
		for i := 0; i < n; i++ {
			p, err := in.Recv()
			if err != nil {
				b.Fatal(err)
			}
			k := len(batch)
			copy(cells[k][:], p)
			relay.Forward(byte(cell.CmdRelay), cells[k].Body())
			batch = append(batch, cells[k][:])
			if len(batch) == cap(batch) || i == n-1 {
				if err := out.SendBatch(batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}
