package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/tor/tornet"
	"github.com/warrennet/warren/overlay/record"
)

var (
	netOnce sync.Once
	testNet *tornet.Network
	netDir  string
	netErr  error
)

// privateTor starts one private Tor network for this package's tests. In
// CI a missing tor is a failure, never a skip.
func privateTor(t *testing.T) *tornet.Network {
	t.Helper()
	if _, err := exec.LookPath("tor"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tor is not installed, and CI=true: %v", err)
		}
		t.Skip("tor not installed")
	}
	netOnce.Do(func() {
		dir, err := os.MkdirTemp("", "warren-daemon-tornet-")
		if err != nil {
			netErr = err
			return
		}
		netDir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		testNet, netErr = tornet.Start(ctx, tornet.Config{Dir: filepath.Join(dir, "net")})
	})
	if netErr != nil {
		t.Fatalf("private Tor network: %v", netErr)
	}
	return testNet
}

func startOnion(t *testing.T, net *tornet.Network, dir string, peers ...[]byte) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, err := Start(ctx, Config{
		Dir: dir, Passphrase: bytes.Clone(testPass), Peers: peers, Rand: rand.Reader,
		Tor: &TorConfig{ExtraTorrc: net.ClientTorrc()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// onionOnly checks that a record names only an onion address.
func onionOnly(t *testing.T, raw []byte) {
	t.Helper()
	rec, err := record.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rec.Addrs {
		if id, ok := a.Onion(); !ok || id != rec.NodeID {
			t.Fatalf("record address %v is not the node's own onion address", a)
		}
	}
}

// TestLinkOverOnionServices: two nodes on the private Tor network link
// through their onion addresses only; after a restart a node has the same
// address, and the link comes back.
func TestLinkOverOnionServices(t *testing.T) {
	net := privateTor(t)
	dirA, dirB := initNode(t), initNode(t)
	a := startOnion(t, net, dirA)
	recA := recordOf(t, dirA)
	onionOnly(t, recA)
	start := time.Now()
	b := startOnion(t, net, dirB, recA)
	defer b.Close()
	idA, idB := a.info.NodeID, b.info.NodeID
	eventuallyWithin(t, 2*time.Minute, "B to link to A over Tor", func() bool {
		return linksTo(b, idA) == 1 && linksTo(a, idB) == 1 && rttMeasured(b)
	})
	t.Logf("B start -> link to A with a measured RTT: %s (RTT %.1f ms)", time.Since(start).Round(time.Millisecond), b.Status().Links[0].RTTMillis)
	if st := a.Status(); st.Tor == nil || st.Tor.Onion != idA.Onion() || st.Tor.Bootstrap != 100 {
		t.Fatalf("A's tor status: %+v", st.Tor)
	}

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	eventuallyWithin(t, time.Minute, "B to notice A is gone", func() bool { return linksTo(b, idA) == 0 })
	restart := time.Now()
	a = startOnion(t, net, dirA)
	defer a.Close()
	if got := a.Status().Listen; got != idA.Onion()+":9735" {
		t.Fatalf("after restart A listens on %s, want its old onion address", got)
	}
	eventuallyWithin(t, 3*time.Minute, "B to relink to the restarted A", func() bool { return linksTo(b, idA) == 1 })
	t.Logf("A restart -> B relinked: %s", time.Since(restart).Round(time.Millisecond))
}

func eventuallyWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
