package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if testNet != nil {
		testNet.Close() // tor processes must not outlive the tests
		os.RemoveAll(netDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

var testPass = []byte("test passphrase")

func initNode(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "n")
	_, err := Init(context.Background(), InitConfig{
		Dir: dir, Passphrase: bytes.Clone(testPass), KDF: store.TestKDFParams(), Network: "test",
		Rand: rand.Reader, Now: time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(t *testing.T, dir, listen string, peers ...[]byte) *Node {
	t.Helper()
	n, err := Start(context.Background(), Config{
		Dir: dir, Passphrase: bytes.Clone(testPass), Listen: listen, Peers: peers, Rand: rand.Reader,
		Link: LinkTuning{KeepaliveInterval: 200 * time.Millisecond, IdleTimeout: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func recordOf(t *testing.T, dir string) []byte {
	t.Helper()
	info, err := ReadInfo(context.Background(), dir)
	if err != nil || info.Record == nil {
		t.Fatalf("no record: %v", err)
	}
	return info.Record
}

// linksTo counts n's authenticated links to id.
func linksTo(n *Node, id identity.NodeID) int {
	c := 0
	for _, l := range n.Status().Links {
		if l.Authenticated && l.Peer == id.Onion() {
			c++
		}
	}
	return c
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOneLinkPerPairAfterRestart: B keeps a link to A; A restarts on the
// same address and now also dials B. Both redial at once, and the pair must
// settle on exactly one link, with round trips measured over it.
func TestOneLinkPerPairAfterRestart(t *testing.T) {
	dirA, dirB := initNode(t), initNode(t)
	addrA := freePort(t)
	a := start(t, dirA, addrA)
	b := start(t, dirB, "127.0.0.1:0", recordOf(t, dirA))
	defer b.Close()
	idA, idB := a.info.NodeID, b.info.NodeID
	eventually(t, "B to link to A", func() bool { return linksTo(b, idA) == 1 && linksTo(a, idB) == 1 })

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B to notice A is gone", func() bool { return linksTo(b, idA) == 0 })
	a = start(t, dirA, addrA, recordOf(t, dirB))
	defer a.Close()
	eventually(t, "one link each way, with RTT", func() bool {
		return linksTo(a, idB) == 1 && linksTo(b, idA) == 1 && rttMeasured(a) && rttMeasured(b)
	})
	time.Sleep(500 * time.Millisecond)
	if linksTo(a, idB) != 1 || linksTo(b, idA) != 1 {
		t.Fatalf("links did not stay at one per pair: A has %d, B has %d", linksTo(a, idB), linksTo(b, idA))
	}
}

func rttMeasured(n *Node) bool {
	st := n.Status()
	return len(st.Links) > 0 && st.Links[0].RTTMillis > 0
}

// TestPeerFromOtherNetworkRefused: a record signed for another network does
// not verify, so the node refuses to start with it.
func TestPeerFromOtherNetworkRefused(t *testing.T) {
	dirA := initNode(t)
	a := start(t, dirA, "127.0.0.1:0")
	rec := recordOf(t, dirA)
	a.Close()
	dirB := filepath.Join(t.TempDir(), "b")
	if _, err := Init(context.Background(), InitConfig{Dir: dirB, Passphrase: bytes.Clone(testPass), KDF: store.TestKDFParams(), Network: "other", Rand: rand.Reader, Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if n, err := Start(context.Background(), Config{Dir: dirB, Passphrase: bytes.Clone(testPass), Peers: [][]byte{rec}}); err == nil {
		n.Close()
		t.Fatal("started with a peer record from another network")
	}
}

// TestWrongPassphraseLeavesNodeUsable: a failed start releases the lock and
// the store, so the right passphrase then works.
func TestWrongPassphraseLeavesNodeUsable(t *testing.T) {
	dir := initNode(t)
	if _, err := Start(context.Background(), Config{Dir: dir, Passphrase: []byte("wrong")}); err == nil {
		t.Fatal("started with a wrong passphrase")
	}
	n := start(t, dir, "127.0.0.1:0")
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
