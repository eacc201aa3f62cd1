package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdCircuits(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "echo" {
		return cmdCircuitsEcho(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "list" {
		args = args[1:]
	}
	fs := newFlags(e, "circuits", "circuits [list] [--dir DIR] [--json] | circuits echo [--kib N] NODE")
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	c, err := api.NewClient(daemon.SocketPath(*dir)).Circuits(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, c)
	}
	printCircuits(e.stdout, c)
	return nil
}

func printCircuits(w io.Writer, c api.Circuits) {
	fmt.Fprintf(w, "own circuits: %d (%d pre-built, waiting for a purpose); guards: %s\n",
		len(c.Own), c.Prebuilt, orDash(strings.Join(c.Guards, " ")))
	if len(c.Own) > 0 {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOPS\tAGE\tPURPOSE\tSENT\tRECEIVED")
		for _, ci := range c.Own {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.Join(ci.Hops, " > "), ci.Age.Round(time.Second),
				orDash(ci.Purpose), bytesStr(ci.BytesSent), bytesStr(ci.BytesRecv))
		}
		tw.Flush()
	}
	if c.Relay {
		fmt.Fprintf(w, "relaying: %d circuit(s) for others; %d CREATE answered, %d refused since start\n", c.Relayed, c.Created, c.Refused)
	} else {
		fmt.Fprintln(w, "relaying: no (run with --relay to carry circuits for others)")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func bytesStr(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func cmdCircuitsEcho(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "circuits echo", "circuits echo [--dir DIR] [--kib N] [--json] NODE")
	dir := dirFlag(e, fs)
	kib := fs.Int("kib", 64, "KiB to echo")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"circuits echo: name one relay (its node ID)"}
	}
	if *kib < 1 || *kib > daemon.MaxEcho>>10 {
		return usageError{fmt.Sprintf("circuits echo: --kib must be 1 to %d", daemon.MaxEcho>>10)}
	}
	r, err := api.NewClient(daemon.SocketPath(*dir)).EchoCircuit(ctx, fs.Arg(0), *kib<<10)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, r)
	}
	fmt.Fprintf(e.stdout, "circuit %s: opened in %s; %d KiB echoed in %s\n", orDash(strings.Join(r.Hops, " > ")),
		r.Open.Round(100*time.Microsecond), r.Bytes>>10, r.Echo.Round(100*time.Microsecond))
	return nil
}
