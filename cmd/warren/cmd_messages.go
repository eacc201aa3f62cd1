package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invite", "invite [--dir DIR] [--name NAME] [--json]")
	dir := dirFlag(e, fs)
	name := fs.String("name", "", "what to call the contact who accepts it")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "making an invitation (queues on your mailboxes, through circuits)...")
	inv, err := api.NewClient(daemon.SocketPath(*dir)).Invite(ctx, *name)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, inv)
	}
	if inv.QR != "" {
		fmt.Fprint(e.stdout, inv.QR)
	}
	fmt.Fprintf(e.stdout, "\n%s\n\nOne use only; expires %s. Give it to one person over a channel you trust;\nthey run: warren accept INVITATION\n",
		inv.Text, inv.Contact.Expires.Local().Format(time.DateTime))
	return nil
}

func cmdAccept(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "accept", "accept [--dir DIR] [--name NAME] INVITATION")
	dir := dirFlag(e, fs)
	name := fs.String("name", "", "what to call this contact")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"accept takes one invitation"}
	}
	fmt.Fprintln(e.stderr, "fetching the invitation and sending the contact request through circuits...")
	c, err := api.NewClient(daemon.SocketPath(*dir)).Accept(ctx, fs.Arg(0), *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "contact %s (%s) added; you can send at once\n", orDash(c.Name), c.ID[:8])
	return nil
}

func cmdContacts(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts", "contacts [--dir DIR] [--json]")
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	cs, err := api.NewClient(daemon.SocketPath(*dir)).Contacts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, cs)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tSTATE\tSINCE")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(c.Name), c.ID[:8], c.State, c.Created.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

func cmdSend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "send", "send [--dir DIR] CONTACT [TEXT | -]")
	dir := dirFlag(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageError{"send takes a contact and a text (or - to read it from standard input)"}
	}
	text := fs.Arg(1)
	if fs.NArg() == 1 || text == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
		if err != nil {
			return err
		}
		text = strings.TrimRight(string(b), "\n")
	}
	if text == "" {
		return errors.New("send: empty message")
	}
	m, err := api.NewClient(daemon.SocketPath(*dir)).Send(ctx, fs.Arg(0), text)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s queued (id %s); 'warren watch' shows it turn sent and delivered\n", m.ID[:8], m.ID)
	return nil
}

func cmdInbox(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inbox", "inbox [--dir DIR] [--limit N] [--sent] [--json] [CONTACT]")
	dir := dirFlag(e, fs)
	limit := fs.Int("limit", 50, "how many messages")
	sent := fs.Bool("sent", false, "list sent messages and their states instead")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"inbox takes at most one contact"}
	}
	c := api.NewClient(daemon.SocketPath(*dir))
	if *sent {
		out, err := c.Outbox(ctx, fs.Arg(0), *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, out)
		}
		for _, m := range out {
			fmt.Fprintf(e.stdout, "%s  to %s  [%s%s]  %s\n", m.Created.Local().Format(time.DateTime), orDash(m.Name), m.State, whyStr(m.Why), m.Body)
		}
		return nil
	}
	in, err := c.Inbox(ctx, fs.Arg(0), *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, in)
	}
	for _, m := range in {
		fmt.Fprintf(e.stdout, "%s  from %s  #%d  %s\n", m.Received.Local().Format(time.DateTime), orDash(m.Name), m.Seq, m.Body)
	}
	return nil
}

func whyStr(why string) string {
	if why == "" {
		return ""
	}
	return ": " + why
}

func cmdWatch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "watch", "watch [--dir DIR] [--json]")
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "one JSON event per line")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	fmt.Fprintln(e.stderr, "watching; Ctrl-C to stop")
	return api.NewClient(daemon.SocketPath(*dir)).Watch(ctx, func(ev api.Event) {
		if *asJSON {
			_ = printJSONLine(e.stdout, ev)
			return
		}
		fmt.Fprintln(e.stdout, eventLine(ev))
	})
}

func eventLine(ev api.Event) string {
	t := ev.Time.Local().Format(time.TimeOnly)
	switch ev.Kind {
	case "message":
		return fmt.Sprintf("%s  message from %s #%d (%.0f ms after it was sent): %s", t, orDash(ev.Name), ev.Seq, ev.Latency, ev.Body)
	case "state":
		return fmt.Sprintf("%s  %s to %s: %s%s (%.0f ms after queued)", t, ev.ID[:8], orDash(ev.Name), ev.State, whyStr(ev.Why), ev.Latency)
	case "contact":
		return fmt.Sprintf("%s  contact %s: %s", t, orDash(ev.Name), ev.State)
	}
	return fmt.Sprintf("%s  %s", t, ev.Kind)
}

// printJSONLine writes v as one line of JSON.
func printJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}
