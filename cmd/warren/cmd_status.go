package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "status [--dir DIR] [--json]")
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	st, err := api.NewClient(daemon.SocketPath(*dir)).Status(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, st)
	}
	printStatus(e.stdout, st)
	return nil
}

// printJSON writes v as indented JSON (every command's --json).
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printStatus(w io.Writer, st api.Status) {
	fmt.Fprintf(w, "node      %s\nnetwork   %s\nversion   %s (pid %d, up %s)\n", st.NodeID, st.Network, st.Version, st.PID, time.Duration(st.UptimeSec*float64(time.Second)).Round(time.Second))
	fmt.Fprintf(w, "roles     %s\n", strings.Join(st.Roles, ", "))
	fmt.Fprintf(w, "transport %s, links on %s\nonion key epoch %d\n", st.Transport, st.Listen, st.OnionEpoch)
	if t := st.Tor; t != nil {
		printTor(w, t)
	}
	if o := st.Overlay; o != nil {
		fmt.Fprintf(w, "overlay   outbound %d, inbound %d, anonymous %d, dialing %d; address book %d new, %d tried, %d anchors\n",
			o.Outbound, o.Inbound, o.Anonymous, o.Dialing, o.BookNew, o.BookTried, o.Anchors)
		fmt.Fprintf(w, "gossip    %s\n", gossipLine(o.Gossip))
	}
	fmt.Fprintf(w, "links     %d\n", len(st.Links))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	if len(st.Links) > 0 {
		fmt.Fprintln(tw, "  PEER\tDIRECTION\tAUTH\tAGE\tRTT\tFRAMES IN/OUT")
	}
	for _, l := range st.Links {
		peer := l.PeerShort
		if !l.Authenticated {
			peer = "(anonymous)"
		}
		rtt := "-"
		if l.RTTMillis > 0 {
			rtt = fmt.Sprintf("%.2fms", l.RTTMillis)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%v\t%s\t%s\t%d/%d\n", peer, l.Direction, l.Authenticated, time.Since(l.Since).Round(time.Second), rtt, l.FramesIn, l.FramesOut)
	}
	tw.Flush()
	if len(st.Static) > 0 {
		fmt.Fprintf(w, "static peers %d\n", len(st.Static))
	}
	for _, p := range st.Static {
		line := fmt.Sprintf("  %s  %s  attempts %d", p.PeerShort, p.State, p.Attempts)
		if p.LastError != "" {
			line += "  last error: " + p.LastError
		}
		fmt.Fprintln(w, line)
	}
}

func cmdStop(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stop", "stop [--dir DIR]")
	dir := dirFlag(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	c := api.NewClient(daemon.SocketPath(*dir))
	if err := c.Shutdown(ctx); err != nil {
		return err
	}
	// Return only once the daemon is gone, so that `warren stop && warren
	// run` works.
	err := waitFor(ctx, stopWait, "the daemon to exit", func() (bool, error) {
		_, err := c.Status(ctx)
		return errors.Is(err, api.ErrNotRunning), nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "stopped")
	return nil
}

// stopWait bounds `warren stop`: the daemon's own grace period and a margin.
const stopWait = shutdownGrace + 5*time.Second

func printTor(w io.Writer, t *api.Tor) {
	fmt.Fprintf(w, "tor       %s, version %s (network says: %s), bootstrap %d%%", t.Mode, t.Version, t.VersionStatus, t.Bootstrap)
	if t.PID != 0 {
		fmt.Fprintf(w, ", pid %d", t.PID)
	}
	fmt.Fprintln(w)
	reach := "not probed yet"
	if !t.LastProbe.IsZero() {
		reach = "unreachable"
		if t.Reachable {
			reach = "reachable"
		}
		reach += fmt.Sprintf(" (last probe %s ago)", time.Since(t.LastProbe).Round(time.Second))
	}
	fmt.Fprintf(w, "onion     %s, restarts %d\n", reach, t.Restarts)
	for _, ev := range t.Events {
		line := fmt.Sprintf("  %s %s: %s", ev.At.Format(time.TimeOnly), ev.Action, ev.Reason)
		if ev.Error != "" {
			line += " (failed: " + ev.Error + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// gossipLine prints the non-zero gossip counters in a stable order.
func gossipLine(c map[string]uint64) string {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "nothing yet"
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}
