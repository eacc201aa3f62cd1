package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdPeers(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "add":
			return cmdPeersAdd(ctx, e, args[1:])
		case "ban":
			return cmdPeersBan(ctx, e, args[1:])
		case "list":
			args = args[1:]
		}
	}
	fs := newFlags(e, "peers", "peers [list] [--dir DIR] [--json] | peers add RECORD | peers ban [--for DURATION] NODE")
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	list, err := api.NewClient(daemon.SocketPath(*dir)).Peers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, list)
	}
	printPeers(e.stdout, list)
	return nil
}

func printPeers(w io.Writer, list []api.BookEntry) {
	slices.SortFunc(list, func(a, b api.BookEntry) int {
		if c := strings.Compare(a.State, b.State); c != 0 {
			return c
		}
		return strings.Compare(a.Peer, b.Peer)
	})
	fmt.Fprintf(w, "address book: %d node(s)\n", len(list))
	if len(list) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tSTATE\tTABLE\tROLES\tSOURCE\tATTEMPTS\tLAST SUCCESS\tEXPIRES IN")
	for _, p := range list {
		last := "-"
		if !p.LastSuccess.IsZero() {
			last = time.Since(p.LastSuccess).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.PeerShort, p.State, p.Table, strings.Join(p.Roles, "|"),
			p.SourceShort, p.Attempts, last, time.Until(p.Expires).Round(time.Minute))
	}
	tw.Flush()
}

func cmdPeersAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "peers add", "peers add [--dir DIR] RECORD   (RECORD: the output of warren id --record on the other node)")
	dir := dirFlag(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := oneArg(fs, "peers add takes one signed record"); err != nil {
		return err
	}
	res, err := api.NewClient(daemon.SocketPath(*dir)).AddPeer(ctx, strings.TrimSpace(fs.Arg(0)))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", res.Peer, res.Result)
	return nil
}

func cmdPeersBan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "peers ban", "peers ban [--dir DIR] [--for DURATION] NODE")
	dir := dirFlag(e, fs)
	d := fs.Duration("for", 24*time.Hour, "how long to refuse the node")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := oneArg(fs, "peers ban takes one node ID (its .onion address)"); err != nil {
		return err
	}
	res, err := api.NewClient(daemon.SocketPath(*dir)).BanPeer(ctx, fs.Arg(0), *d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", res.Peer, res.Result)
	return nil
}

// oneArg checks that exactly one positional argument is left. The flag
// package stops at the first one, so a flag after it gets a hint.
func oneArg(fs *flag.FlagSet, msg string) error {
	if fs.NArg() > 1 && strings.HasPrefix(fs.Arg(1), "-") {
		return usageError{msg + "; flags go before it"}
	}
	if fs.NArg() != 1 {
		return usageError{msg}
	}
	return nil
}
