package link

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrennet/warren/overlay/identity"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testNet = [32]byte{'t', 'e', 's', 't', 'n', 'e', 't'}

// node is a test identity: node key, link key, and the Remote naming it.
type node struct {
	nodeKey ed25519.PrivateKey
	linkKey *ecdh.PrivateKey
	id      identity.NodeID
}

func newNode(t testing.TB) *node {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &node{nodeKey: priv, linkKey: lk, id: identity.NodeID(pub)}
}

func (n *node) remote() Remote {
	var r Remote
	r.NodeID = n.id
	copy(r.LinkKey[:], n.linkKey.PublicKey().Bytes())
	return r
}

func (n *node) config() *Config {
	return &Config{NetworkID: testNet, NodeKey: n.nodeKey, LinkKey: n.linkKey}
}

func anonConfig() *Config { return &Config{NetworkID: testNet} }

type result struct {
	l   *Link
	err error
}

// handshakePair runs Dial and Accept over c1/c2 concurrently.
func handshakePair(t testing.TB, c1, c2 net.Conn, dcfg, acfg *Config, remote Remote, rg *ReplayGuard) (*Link, *Link, error, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var acc result
	wg.Add(1)
	go func() {
		defer wg.Done()
		acc.l, acc.err = Accept(ctx, c2, acfg, rg)
	}()
	dl, derr := Dial(ctx, c1, dcfg, remote)
	wg.Wait()
	return dl, acc.l, derr, acc.err
}

// linkPair returns an established pair over net.Pipe (dialer, acceptor).
func linkPair(t testing.TB, dcfg, acfg *Config, remote Remote) (*Link, *Link) {
	t.Helper()
	c1, c2 := net.Pipe()
	rg := NewReplayGuard(ReplayConfig{NotBefore: nowOf(acfg.Now).Add(-time.Second)})
	d, a, derr, aerr := handshakePair(t, c1, c2, dcfg, acfg, remote, rg)
	if derr != nil || aerr != nil {
		t.Fatalf("handshake: dial %v, accept %v", derr, aerr)
	}
	t.Cleanup(func() { d.Close(); a.Close() })
	return d, a
}

// tcpPair returns two connected loopback TCP conns.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2 := <-ch
	if c2 == nil {
		t.Fatal("accept failed")
	}
	return c1, c2
}

func contextWithTimeout(t testing.TB, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
