package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

// demoMessageCount is how many texts a sends while b is offline.
const demoMessageCount = 3

// demoMessages has node a invite node b, b accept, b go offline, a send
// texts (stored in b's mailboxes on the mailbox relays), b come back and
// receive them, and b reply; a's event stream shows each message's state
// changes and latency.
func demoMessages(ctx context.Context, e *env, nodes []*demoNode, waits demoWaits) error {
	if len(nodes) < 5 {
		fmt.Fprintln(e.stdout, "\ndemo: messaging needs 5 nodes (two users and three relays, two of them mailboxes); skipping it")
		return nil
	}
	a, b := nodes[0], nodes[1]
	ca, cb := api.NewClient(daemon.SocketPath(a.dir)), api.NewClient(daemon.SocketPath(b.dir))
	fmt.Fprintf(e.stdout, "\n--- private messages: user on node a and user on node b; mailboxes on nodes %s ---\n", mailboxNames(nodes))
	stopWatch, err := demoWatch(ctx, e, "a", ca)
	if err != nil {
		return err
	}
	defer stopWatch()
	if err := demoContact(ctx, e.stdout, a, b, ca, cb); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n$ warren stop --dir %s   # b goes offline\n", b.dir)
	if err := demoStopOne(b); err != nil {
		return err
	}
	start := time.Now()
	for i := 1; i <= demoMessageCount; i++ {
		text := fmt.Sprintf("hello b, message %d of %d, sent while you were offline", i, demoMessageCount)
		fmt.Fprintf(e.stdout, "$ warren send --dir %s b %q\n", a.dir, text)
		if _, err := ca.Send(ctx, "b", text); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	if err := waitFor(ctx, waits.link, "a's texts stored at a mailbox", outboxAll(ca, "sent", "delivered")); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n$ warren run --dir %s ...   # b comes back\n", b.dir)
	b.stopped = false
	if err := b.start(ctx, b.args, waits.start); err != nil {
		return err
	}
	if err := waitFor(ctx, waits.link, "a's texts delivered", outboxAll(ca, "delivered")); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: all %d texts delivered %.1f s after the first was sent (b was offline for part of it)\n", demoMessageCount, time.Since(start).Seconds())
	if _, err := cb.Send(ctx, "a", "got all three, thanks"); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	if err := waitFor(ctx, waits.link, "b's reply at a", func() (bool, error) {
		in, err := ca.Inbox(ctx, "", 10)
		return len(in) >= 1, err
	}); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond) // let the watcher print the last events
	for _, n := range []*demoNode{b, a} {
		fmt.Fprintf(e.stdout, "\n$ warren inbox --dir %s\n", n.dir)
		out, err := selfCmd(ctx, "inbox", "--dir", n.dir).Output()
		if err != nil {
			return fmt.Errorf("inbox of %s: %w", n.name, exitDetail(err))
		}
		e.stdout.Write(out)
	}
	return nil
}

func mailboxNames(nodes []*demoNode) string {
	var names []string
	for _, n := range nodes[2:4] {
		names = append(names, n.name)
	}
	return strings.Join(names, " and ")
}

// demoContact: a invites b (text and QR), b accepts, a sees b active.
func demoContact(ctx context.Context, w io.Writer, a, b *demoNode, ca, cb *api.Client) error {
	fmt.Fprintf(w, "\n$ warren invite --dir %s --name b\n", a.dir)
	t0 := time.Now()
	inv, err := ca.Invite(ctx, "b")
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	fmt.Fprintf(w, "%s%s\n(made in %.1f s)\n", inv.QR, inv.Text, time.Since(t0).Seconds())
	fmt.Fprintf(w, "\n$ warren accept --dir %s --name a %s\n", b.dir, inv.Text)
	t0 = time.Now()
	if _, err := cb.Accept(ctx, inv.Text, "a"); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	err = waitFor(ctx, 3*time.Minute, "a to receive b's contact request", func() (bool, error) {
		cs, err := ca.Contacts(ctx)
		return err == nil && len(cs) == 1 && cs[0].State == "active", err
	})
	if err == nil {
		fmt.Fprintf(w, "demo: a and b are contacts (%.1f s from accept to a holding b's request)\n", time.Since(t0).Seconds())
	}
	return err
}

// demoWatch prints a's events as `warren watch` would, until stop.
func demoWatch(ctx context.Context, e *env, who string, c *api.Client) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = c.Watch(ctx, func(ev api.Event) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(e.stdout, "  [watch %s] %s\n", who, eventLine(ev))
		})
	}()
	return func() { cancel(); wg.Wait() }, nil
}

// demoStopOne stops one node and waits for it to exit.
func demoStopOne(n *demoNode) error {
	ctx, cancel := context.WithTimeout(context.Background(), demoStopTimeout)
	defer cancel()
	if err := api.NewClient(daemon.SocketPath(n.dir)).Shutdown(ctx); err != nil {
		return err
	}
	select {
	case err := <-n.exited:
		n.stopped = true
		if err != nil {
			return fmt.Errorf("node %s: %v", n.name, err)
		}
		return nil
	case <-ctx.Done():
		return errors.New("node " + n.name + " did not stop in time")
	}
}

// outboxAll reports whether every text in c's outbox is in one of states.
func outboxAll(c *api.Client, states ...string) func() (bool, error) {
	return func() (bool, error) {
		out, err := c.Outbox(context.Background(), "", 100)
		if err != nil || len(out) == 0 {
			return false, err
		}
		for _, m := range out {
			ok := false
			for _, s := range states {
				ok = ok || m.State == s
			}
			if !ok {
				return false, nil
			}
		}
		return true, nil
	}
}
