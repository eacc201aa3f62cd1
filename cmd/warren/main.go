// Command warren runs and drives a Warren node.
//
// Run `warren help` for the commands. Exit codes:
//
//	0  success
//	1  the command failed (the message says why)
//	2  usage error: unknown command, bad flag or argument
//	3  wrong passphrase, or no passphrase could be read
//	4  no daemon is running for this state directory
//	5  the state directory is not initialised, or already is (init)
//
// Only this package (and its internal packages) reads flags, the
// environment, and files named by the user.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/store"
)

// Exit codes; keep in step with the package comment and docs/cli.md.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitAuth     = 3
	exitNoDaemon = 4
	exitState    = 5
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// env is what a command sees of the outside world; tests replace it.
type env struct {
	args   []string
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create a node: keys sealed under a passphrase", cmdInit},
		{"run", "run the node daemon in the foreground", cmdRun},
		{"status", "show what the running daemon sees", cmdStatus},
		{"stop", "ask the running daemon to stop", cmdStop},
		{"id", "print this node's ID (its .onion address) or its signed peer record", cmdID},
		{"passphrase", "change the passphrase (passphrase change)", cmdPassphrase},
		{"peers", "list the address book (peers add RECORD, peers ban NODE)", cmdPeers},
		{"circuits", "list this node's circuits and what it relays (circuits echo NODE: test one end to end)", cmdCircuits},
		{"invite", "make a one-time invitation (text and QR) for a new contact", cmdInvite},
		{"accept", "accept an invitation: the inviter becomes a contact", cmdAccept},
		{"contacts", "list contacts", cmdContacts},
		{"send", "send a private message to a contact (send CONTACT TEXT, or - for stdin)", cmdSend},
		{"inbox", "list received messages (--sent: sent ones and their states)", cmdInbox},
		{"wallet", "payments: wallet create|restore|address|balance|send|history|receipt|status", cmdWallet},
		{"watch", "stream incoming messages and state changes as they happen", cmdWatch},
		{"bench", "measure on this machine: circuits against tor, messages, payments (bench circuits|messages|payments)", cmdBench},
		{"testnet", "run N local nodes (loopback TCP or --tor) that find each other through gossip", cmdTestnet},
		{"demo", "start a few local nodes, link them, show their status, stop them", cmdDemo},
		{"version", "print the version", cmdVersion},
	}
}

func main() {
	e := &env{args: os.Args[1:], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(runMain(e))
}

func runMain(e *env) int {
	if len(e.args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	if isHelp(e.args[0]) || e.args[0] == "help" {
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == e.args[0] {
			return exitCode(e, c.run(context.Background(), e, e.args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "warren: unknown command %q; run 'warren help'\n", e.args[0])
	return exitUsage
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

func usage(w io.Writer) {
	fmt.Fprintln(w, "warren: a private, onion-routed messaging overlay\n\nUsage: warren <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'warren <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 failure, 2 usage, 3 passphrase, 4 no daemon, 5 state directory.")
}

// usageError marks an error as the user's mistake in calling warren.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func exitCode(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	fmt.Fprintln(e.stderr, "warren: "+strings.TrimPrefix(err.Error(), "warren: "))
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, store.ErrWrongPassphrase), errors.Is(err, errNoPassphrase), errors.Is(err, store.ErrEmptyPassphrase), errors.Is(err, errPassphraseMismatch):
		return exitAuth
	case errors.Is(err, api.ErrNotRunning):
		return exitNoDaemon
	case errors.Is(err, daemon.ErrNotInitialized), errors.Is(err, daemon.ErrAlreadyInitialized), errors.Is(err, daemon.ErrDirNotEmpty):
		return exitState
	}
	return exitFailure
}
