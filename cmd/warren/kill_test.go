package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

// A sender's daemon killed with SIGKILL in the middle of a burst of sends
// and started again: every text whose Send was acknowledged (queued)
// reaches the recipient exactly once, and turns delivered. Real
// processes, real SQLite, 3-hop circuits over loopback TCP.
func TestKillMidSend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := t.TempDir()
	quiet := &env{stdout: io.Discard, stderr: io.Discard}
	nodes, _, err := demoInit(ctx, quiet, root, 5, testnetKDF)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := demoStop(quiet, "test", nodes); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			demoShowLogs(&env{stdout: os.Stderr, stderr: os.Stderr}, nodes)
		}
	})
	if err := demoStartAll(ctx, io.Discard, nodes, nil, []string{"--transport", "tcp"}, demoTCPWaits); err != nil {
		t.Fatal(err)
	}
	if err := demoAwaitBooks(ctx, nodes, time.Minute); err != nil {
		t.Fatal(err)
	}
	a, b := nodes[0], nodes[1]
	ca, cb := api.NewClient(daemon.SocketPath(a.dir)), api.NewClient(daemon.SocketPath(b.dir))
	if err := demoContact(ctx, io.Discard, a, b, ca, cb); err != nil {
		t.Fatal(err)
	}
	acked := sendUntilKilled(ctx, t, a, ca)
	t.Logf("Send acknowledged %d texts before the kill", len(acked))
	t0 := time.Now()
	if err := a.start(ctx, a.args, demoTCPWaits.start); err != nil {
		t.Fatal(err)
	}
	err = waitFor(ctx, 2*time.Minute, "every acknowledged text at b", func() (bool, error) {
		in, err := cb.Inbox(ctx, "", 10000)
		if err != nil {
			return false, err
		}
		seen := map[string]int{}
		for _, m := range in {
			seen[m.Body]++
			if seen[m.Body] > 1 {
				return false, fmt.Errorf("%q arrived twice", m.Body)
			}
		}
		for body := range acked {
			if seen[body] == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("all at b %.1f s after the restart began", time.Since(t0).Seconds())
	if err := waitFor(ctx, 2*time.Minute, "a's texts delivered", outboxAll(ca, "delivered")); err != nil {
		t.Fatal(err)
	}
	t.Logf("all delivered %.1f s after the restart began", time.Since(t0).Seconds())
}

// sendUntilKilled sends texts from a with 4 clients and kills a's daemon
// (SIGKILL) once 60 Sends were acknowledged; it returns the texts whose
// Send returned without error.
func sendUntilKilled(ctx context.Context, t *testing.T, a *demoNode, ca *api.Client) map[string]bool {
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	var next int
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				next++
				body := fmt.Sprintf("text %d", next)
				mu.Unlock()
				if _, err := ca.Send(ctx, "b", body); err != nil {
					return // the daemon is gone
				}
				mu.Lock()
				acked[body] = true
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	close(stop)
	wg.Wait()
	return acked
}
