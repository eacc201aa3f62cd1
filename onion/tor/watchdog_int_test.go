package tor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Test watchdog settings and the repair bound the test asserts. With a
// 2 s interval the service is seen failing within 2 probes (<= 2 x (2 s +
// probe time)), re-published (ADD_ONION + first upload, ~1-3 s here) and
// confirmed by the next probe 2 s later.
const (
	wdInterval  = 2 * time.Second
	repairBound = 90 * time.Second
)

// waitRepaired waits until the watchdog recorded a successful action a
// after since and a later probe succeeded; it returns that probe's time.
func waitRepaired(ctx context.Context, t *testing.T, tr *Tor, a Action, since time.Time) (Event, time.Time) {
	t.Helper()
	for {
		st := tr.Status()
		for _, e := range st.Events {
			if e.Action == a && e.Time.After(since) && e.Err == "" && st.Reachable && st.LastSuccess.After(e.Time) {
				return e, st.LastSuccess
			}
			if e.Time.After(since) && e.Err != "" {
				t.Logf("watchdog event with error: %+v", e)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not repaired (%v) within the bound; status %+v", a, st)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestWatchdogRepairs(t *testing.T) {
	n := privateNet(t)
	cli := dialer(t)
	dir := filepath.Join(t.TempDir(), "node")
	node := launch(t, n, dir, "wd-node")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ln, err := node.Listen(ctx, ListenConfig{Key: fixedKey(9), VirtualPort: 9735})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln)
	// Scaled down like the interval: probes of 20 s, in which Dial's stall
	// retry (20 s of 60 s by default) fires after 8 s.
	node.stallAfter = 8 * time.Second
	cfg := WatchdogConfig{Interval: wdInterval, Timeout: 20 * time.Second, RepairTimeout: 60 * time.Second}
	if err := node.StartWatchdog(ln, cfg); err != nil {
		t.Fatal(err)
	}
	if err := node.StartWatchdog(ln, cfg); err == nil {
		t.Fatal("second watchdog started")
	}
	waitCtx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	for !node.Status().Reachable {
		if waitCtx.Err() != nil {
			t.Fatalf("never reachable: %+v", node.Status())
		}
		time.Sleep(100 * time.Millisecond)
	}
	wcancel()

	t.Run("DEL_ONION behind our back", func(t *testing.T) {
		c := secondControl(ctx, t, readControlAddr(t, dir), filepath.Join(dir, cookieName))
		defer c.close()
		removed := time.Now()
		if _, err := c.do(ctx, "DEL_ONION "+strings.TrimSuffix(ln.Onion(), ".onion")); err != nil {
			t.Fatalf("DEL_ONION from a second connection: %v", err)
		}
		rctx, rcancel := context.WithTimeout(ctx, repairBound)
		defer rcancel()
		e, ok := waitRepaired(rctx, t, node, ActionRepublish, removed)
		t.Logf("FIGURE watchdog: service removed -> republished %v -> probe reachable %v (%s)",
			e.Time.Sub(removed).Round(time.Millisecond), ok.Sub(removed).Round(time.Millisecond), e.Reason)
		conn, _ := dialUntil(ctx, t, cli, ln.Onion(), 9735, "after-republish")
		exchange(t, conn)
	})

	t.Run("kill -9 tor", func(t *testing.T) {
		pid := node.PID()
		killed := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		rctx, rcancel := context.WithTimeout(ctx, repairBound)
		defer rcancel()
		e, ok := waitRepaired(rctx, t, node, ActionRestart, killed)
		st := node.Status()
		if st.PID == 0 || st.PID == pid || st.Restarts != 1 || e.Reason != "tor process exited" {
			t.Fatalf("after restart: %+v", st)
		}
		t.Logf("FIGURE watchdog: tor killed -> restarted+bootstrapped+republished %v -> probe reachable %v",
			e.Time.Sub(killed).Round(time.Millisecond), ok.Sub(killed).Round(time.Millisecond))
		// Checked from a tor without the old descriptor: a client holding
		// it can be acknowledged by an intro point that still has the dead
		// tor's circuit and then wait minutes at the rendezvous (tor's own
		// behaviour; docs/tor.md, known limits).
		fresh := launch(t, n, filepath.Join(t.TempDir(), "fresh"), "fresh-client")
		conn, _ := dialUntil(ctx, t, fresh, ln.Onion(), 9735, "after-restart")
		exchange(t, conn)
	})
}

func readControlAddr(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, controlPortName))
	if err != nil {
		t.Fatal(err)
	}
	addr, err := parseControlPortFile(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
