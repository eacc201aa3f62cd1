package link

import (
	"bytes"
	"io"
	"net"
	"testing"
)

func TestHandshakeHappy(t *testing.T) {
	for _, tc := range []struct {
		name string
		anon bool
		tcp  bool
	}{
		{"IK/pipe", false, false}, {"NK/pipe", true, false},
		{"IK/tcp", false, true}, {"NK/tcp", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := newNode(t), newNode(t)
			dcfg := client.config()
			if tc.anon {
				dcfg = anonConfig()
			}
			var c1, c2 net.Conn
			if tc.tcp {
				c1, c2 = tcpPair(t)
			} else {
				c1, c2 = net.Pipe()
			}
			d, a, derr, aerr := handshakePair(t, c1, c2, dcfg, server.config(), server.remote(), NewReplayGuard(ReplayConfig{}))
			if derr != nil || aerr != nil {
				t.Fatalf("dial %v accept %v", derr, aerr)
			}
			defer d.Close()
			defer a.Close()
			dp, ap := d.Peer(), a.Peer()
			if dp.NodeID != server.id || !dp.Authenticated || !dp.Initiator || dp.LinkKey != server.remote().LinkKey {
				t.Errorf("dialer Peer() = %+v", dp)
			}
			if tc.anon {
				if ap.Authenticated || !ap.NodeID.IsZero() || ap.LinkKey != ([32]byte{}) {
					t.Errorf("acceptor Peer() for NK = %+v", ap)
				}
			} else if ap.NodeID != client.id || !ap.Authenticated || ap.Initiator || ap.LinkKey != client.remote().LinkKey {
				t.Errorf("acceptor Peer() = %+v", ap)
			}
			if d.ChannelBinding() != a.ChannelBinding() {
				t.Error("channel bindings differ")
			}
			exchange(t, d, a, []byte("hello from dialer"))
			exchange(t, a, d, bytes.Repeat([]byte{7}, CellSize))
			exchange(t, d, a, bytes.Repeat([]byte{9}, MaxPayload))
			exchange(t, a, d, nil)
		})
	}
}

// exchange sends p from s and checks r receives it.
func exchange(t *testing.T, s, r *Link, p []byte) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- s.Send(p) }()
	got, err := r.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !bytes.Equal(got, p) {
		t.Fatalf("got %d bytes, want %d", len(got), len(p))
	}
}

func TestOrderlyClose(t *testing.T) {
	client, server := newNode(t), newNode(t)
	d, a := linkPair(t, client.config(), server.config(), server.remote())
	go d.Close()
	if _, err := a.Recv(); err != io.EOF {
		t.Fatalf("Recv after peer Close = %v, want io.EOF", err)
	}
	if err := d.Send([]byte("x")); err != ErrClosed {
		t.Fatalf("Send after Close = %v", err)
	}
}
