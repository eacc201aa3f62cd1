package circuit_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/onion/cell"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/onion/circuit/circnet"
	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/overlay/link"
)

// rssBytes is this process's resident set size.
func rssBytes(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// flooder sends valid CREATEs (fresh handshakes) to relay i over its own
// anonymous link at rate per second until stop, and drains the answers.
func flooder(t *testing.T, nw *circnet.Net, i int, rate int, stop <-chan struct{}, sent *atomic.Int64) {
	r := nw.Relays[i]
	addr, _ := r.Record.Addrs[0].TCP()
	conn, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Error(err)
		return
	}
	l, err := link.Dial(context.Background(), conn, &link.Config{NetworkID: nw.NetworkID}, link.Remote{NodeID: r.Record.NodeID, LinkKey: r.Record.LinkKey})
	if err != nil {
		t.Error(err)
		return
	}
	defer l.Close()
	go func() {
		for {
			if _, err := l.Recv(); err != nil {
				return
			}
		}
	}()
	hop := nw.Hop(i)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for id := uint32(1); ; id++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		_, msg, err := handshake.NewClient(nw.NetworkID, hop.OnionKey, hop.Epoch, time.Now(), rand.Reader)
		if err != nil {
			t.Error(err)
			return
		}
		c, _ := cell.Create(cell.DialerBit|id, cell.HandshakeNK, msg)
		if l.Send(c[:]) != nil {
			return
		}
		sent.Add(1)
	}
}

// TestCreateFloodR12: 1,000 valid CREATEs per second (20 anonymous links
// at 50/s each, the per-link limit) at one relay, while a client builds
// 3-hop circuits through that relay every 50 ms. At least 95 % of the
// honest builds succeed, and the process's RSS stays within a bound.
func TestCreateFloodR12(t *testing.T) {
	dur, perLink := 30*time.Second, 50
	if testing.Short() {
		dur = 5 * time.Second
	}
	if raceBuild {
		// The race detector makes each handshake ~10× dearer: the same
		// test at a tenth of the rate (the full rate runs without it).
		dur, perLink = 5*time.Second, 5
	}
	nw, c := startNet(t, 3, circnet.Options{})
	base := rssBytes(t)
	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); flooder(t, nw, 0, perLink, stop, &sent) }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur+time.Minute)
	defer cancel()
	ch, err := c.Dial(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ok, total int
	peak := base
	for end := time.Now().Add(dur); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		total++
		bctx, bcancel := context.WithTimeout(ctx, 10*time.Second)
		circ, err := c.Node.Build(bctx, ch, nw.Path(0, 1, 2), "honest")
		bcancel()
		if err == nil {
			ok++
			circ.Close()
		}
		peak = max(peak, rssBytes(t))
	}
	close(stop)
	wg.Wait()
	st := nw.Relays[0].Node.Stats()
	const bound = 256 << 20
	t.Logf("R12: %d CREATEs in %s at relay 1 (%.0f/s): %d answered, %d refused by per-link limits, %d by the handshake, %d queue-full; honest 3-hop builds %d/%d (%.1f %%); RSS %d MiB → peak %d MiB (+%d MiB, bound +%d MiB)",
		sent.Load(), dur, float64(sent.Load())/dur.Seconds(), st.Created, st.CreatesLimited, st.CreatesRefused, st.CreatesBusy,
		ok, total, 100*float64(ok)/float64(total), base>>20, peak>>20, (peak-base)>>20, bound>>20)
	if ok*100 < 95*total {
		t.Errorf("only %d of %d honest builds succeeded under the flood", ok, total)
	}
	if peak-base > bound {
		t.Errorf("RSS grew by %d MiB under the flood (bound %d MiB)", (peak-base)>>20, bound>>20)
	}
	if sent.Load() < int64(dur.Seconds()*float64(20*perLink)*0.9) {
		t.Errorf("the flood sent only %d CREATEs", sent.Load())
	}
}

var _ = circuit.ErrClosed
