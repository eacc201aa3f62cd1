package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

// walletCommands are the subcommands of `warren wallet`.
var walletCommands = map[string]func(ctx context.Context, e *env, args []string) error{
	"create": cmdWalletCreate, "restore": cmdWalletRestore, "address": cmdWalletAddress,
	"balance": cmdWalletBalance, "send": cmdWalletSend, "history": cmdWalletHistory,
	"receipt": cmdWalletReceipt, "status": cmdWalletStatus, "apply": cmdWalletApply,
	"sync": cmdWalletSync, "receive": cmdWalletSync,
}

func cmdWallet(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(e.stderr, "usage: warren wallet create|restore|address|balance|send|sync|receive|history|receipt|status|apply [--dir DIR] ...")
		if len(args) == 0 {
			return usageError{"wallet needs a subcommand"}
		}
		return errHelpShown
	}
	run, ok := walletCommands[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown wallet subcommand %q", args[0])}
	}
	return run(ctx, e, args[1:])
}

// walletFlags parses a wallet subcommand's --dir (and --json) and checks
// its argument count.
func walletFlags(e *env, name, synopsis string, nargs int, args []string, extra func(*flag.FlagSet)) (*api.Client, []string, bool, error) {
	fs := newFlags(e, "wallet "+name, "wallet "+synopsis)
	dir := dirFlag(e, fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args); err != nil {
		return nil, nil, false, err
	}
	if fs.NArg() != nargs {
		return nil, nil, false, usageError{"usage: warren wallet " + synopsis + " (flags go before the arguments)"}
	}
	return api.NewClient(daemon.SocketPath(*dir)), fs.Args(), *asJSON, nil
}

func cmdWalletCreate(ctx context.Context, e *env, args []string) error {
	c, _, asJSON, err := walletFlags(e, "create", "create [--dir DIR]", 0, args, nil)
	if err != nil {
		return err
	}
	w, err := c.WalletCreate(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, w)
	}
	fmt.Fprintln(e.stderr, "WARNING: these 24 words are the only backup of this wallet. Write them down on paper\nand keep them secret: anyone who has them can spend your money. They are shown only once.")
	fmt.Fprintf(e.stdout, "seed words: %s\n", strings.Join(w.Words, " "))
	fmt.Fprintf(e.stdout, "address: %s\n", w.Address)
	if w.GenesisCoins > 0 {
		fmt.Fprintf(e.stdout, "genesis: %d coin(s), %d in all\n", w.GenesisCoins, w.GenesisAmount)
	}
	return nil
}

func cmdWalletRestore(ctx context.Context, e *env, args []string) error {
	c, _, _, err := walletFlags(e, "restore", "restore [--dir DIR] (24 words on standard input)", 0, args, nil)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, 4<<10))
	if err != nil {
		return err
	}
	w, err := c.WalletRestore(ctx, strings.Join(strings.Fields(string(b)), " "))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored; address: %s\n", w.Address)
	return nil
}

func cmdWalletAddress(ctx context.Context, e *env, args []string) error {
	c, _, _, err := walletFlags(e, "address", "address [--dir DIR]", 0, args, nil)
	if err != nil {
		return err
	}
	w, err := c.WalletAddress(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, w.Address)
	return nil
}

func cmdWalletBalance(ctx context.Context, e *env, args []string) error {
	c, _, asJSON, err := walletFlags(e, "balance", "balance [--dir DIR] [--json]", 0, args, nil)
	if err != nil {
		return err
	}
	b, err := c.WalletBalance(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, b)
	}
	printBalance(e, b)
	return nil
}

func printBalance(e *env, b api.WalletBalance) {
	fmt.Fprintf(e.stdout, "spendable %d  incoming %d  sending %d  frozen %d\n", b.Spendable, b.Incoming, b.Sending, b.Frozen)
}

func cmdWalletSend(ctx context.Context, e *env, args []string) error {
	var fee int64
	var notify string
	c, rest, asJSON, err := walletFlags(e, "send", "send [--dir DIR] [--fee N] [--notify CONTACT] ADDRESS AMOUNT", 2, args, func(fs *flag.FlagSet) {
		fs.Int64Var(&fee, "fee", -1, "fee to burn (default: the network's minimum)")
		fs.StringVar(&notify, "notify", "", "a contact to send the certificate to, end to end, once final (their wallet applies it)")
	})
	if err != nil {
		return err
	}
	amount, err := strconv.ParseUint(rest[1], 10, 64)
	if err != nil || amount == 0 {
		return usageError{"AMOUNT must be a whole number above 0"}
	}
	req := api.PayRequest{To: rest[0], Amount: amount, Notify: notify}
	if fee >= 0 {
		f := uint64(fee)
		req.Fee = &f
	}
	fmt.Fprintln(e.stderr, "sending the payment to the validators through a fresh circuit...")
	p, err := c.WalletSend(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, p)
	}
	printPayment(e, p)
	if !p.Final {
		return errors.New("the payment is not final yet")
	}
	return nil
}

func printPayment(e *env, p api.Payment) {
	if p.Final {
		fmt.Fprintf(e.stdout, "final: %d paid (fee %d) in %s; signed by %s\n", p.Amount, p.Fee,
			time.Duration(p.FinalityMS*float64(time.Millisecond)).Round(time.Millisecond), strings.Join(p.Signers, ", "))
		fmt.Fprintf(e.stdout, "id %s ('warren wallet receipt ID' proves it)\n", p.ID)
	}
	if p.Notified {
		fmt.Fprintln(e.stdout, "the certificate is on its way to the payee as an end-to-end message")
	}
	if p.Note != "" {
		fmt.Fprintln(e.stderr, "warren: "+p.Note)
	}
}

func cmdWalletHistory(ctx context.Context, e *env, args []string) error {
	c, _, asJSON, err := walletFlags(e, "history", "history [--dir DIR] [--json]", 0, args, nil)
	if err != nil {
		return err
	}
	h, err := c.WalletHistory(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, h)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tKIND\tAMOUNT\tFEE\tSTATE\tID")
	for _, x := range h {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", x.Time.Local().Format(time.DateTime), x.Kind, x.Amount, x.Fee, orDash(x.State), orDash(x.ID))
	}
	return tw.Flush()
}

func cmdWalletReceipt(ctx context.Context, e *env, args []string) error {
	c, rest, asJSON, err := walletFlags(e, "receipt", "receipt [--dir DIR] ID", 1, args, nil)
	if err != nil {
		return err
	}
	r, err := c.WalletReceipt(ctx, rest[0])
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, r)
	}
	fmt.Fprintf(e.stdout, "payment %s: %d\nreceipt %s\n", r.ID, r.Amount, r.Receipt)
	return nil
}

func cmdWalletStatus(ctx context.Context, e *env, args []string) error {
	c, _, asJSON, err := walletFlags(e, "status", "status [--dir DIR] [--json]", 0, args, nil)
	if err != nil {
		return err
	}
	st, err := c.WalletStatus(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, st)
	}
	for _, v := range st.Validators {
		state := "reachable"
		if !v.Reachable {
			state = "unreachable: " + v.Error
		}
		fmt.Fprintf(e.stdout, "validator %s: %s\n", v.Name, state)
	}
	verdict := "quorum reachable: payments can become final"
	if !st.OK {
		verdict = "NO quorum reachable: payments cannot become final now"
	}
	fmt.Fprintf(e.stdout, "%d of %d validators reachable, quorum %d: %s\n", st.Reachable, len(st.Validators), st.Quorum, verdict)
	return nil
}

// cmdWalletApply applies a certificate someone handed over (base64 on
// standard input or as the argument).
func cmdWalletApply(ctx context.Context, e *env, args []string) error {
	c, rest, _, err := walletFlags(e, "apply", "apply [--dir DIR] CERTIFICATE", 1, args, nil)
	if err != nil {
		return err
	}
	b, err := c.WalletApply(ctx, rest[0])
	if err != nil {
		return err
	}
	printBalance(e, b)
	return nil
}

// cmdWalletSync scans the validators' certificate feeds for payments to
// this wallet (`wallet receive` is the same command).
func cmdWalletSync(ctx context.Context, e *env, args []string) error {
	c, _, asJSON, err := walletFlags(e, "sync", "sync|receive [--dir DIR] [--json]", 0, args, nil)
	if err != nil {
		return err
	}
	if !asJSON {
		fmt.Fprintln(e.stderr, "scanning every validator's certificate feed for payments to this wallet (one fresh circuit per page)...")
	}
	res, err := c.WalletSync(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, res)
	}
	reached := printSync(e, res)
	if reached == 0 {
		return errors.New("no validator's feed could be read; try again later (warren wallet status)")
	}
	return nil
}

// printSync prints a sync's result; it returns how many feeds were read.
func printSync(e *env, res api.WalletSynced) int {
	reached := 0
	for _, v := range res.Validators {
		if v.Error != "" {
			fmt.Fprintf(e.stdout, "validator %s: %d certificates read, then: %s\n", v.Name, v.Scanned, v.Error)
		} else {
			reached++
			fmt.Fprintf(e.stdout, "validator %s: %d new certificates (feed position %d)\n", v.Name, v.Scanned, v.Position)
		}
		if v.Bad > 0 {
			fmt.Fprintf(e.stdout, "validator %s: WARNING: %d certificates in its feed did not verify (ignored)\n", v.Name, v.Bad)
		}
	}
	fmt.Fprintf(e.stdout, "read %d of %d feeds: %d new coin(s) for this wallet, %d in all\n", reached, len(res.Validators), res.Found, res.FoundAmount)
	printBalance(e, res.Balance)
	return reached
}
