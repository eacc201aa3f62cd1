package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

// `warren bench payments`: the demo's network (5 local nodes; b, c, d and
// e validate, n = 4, quorum 3; the genesis pays users a and b) with user
// a paying user b, one payment after another. Nodes b..e are `warren run`
// processes as in the demo; node a, the payer's, runs inside the bench
// process with the same configuration `warren run` would give it, so
// that its LedgerTuning can switch off the wallet's random pause (no run
// flag sets it).

const (
	benchPayAmount = 1 // per payment; the fee is the network's minimum (1)
	benchPayFee    = 1
	// benchMaxPayments bounds a run (each payment opens two one-shot
	// circuits, closed with their streams; a client link's CREATEs are
	// rate-limited at 50/s).
	benchMaxPayments = 10000
)

// latency is the median, p99 (nearest rank) and max of a sample, in ms.
type latency struct {
	MedianMs float64 `json:"median_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// paymentsResult is one `warren bench payments` run.
type paymentsResult struct {
	Transport  string `json:"transport"`
	Payments   int    `json:"payments"`
	Validators int    `json:"validators"`
	Quorum     int    `json:"quorum"`
	// Pause: the wallet's random pause (uniform below 1 s before each
	// attempt of SUBMIT and of the certificate's spreading) was on.
	Pause bool `json:"pause"`
	// Finality is the daemon's figure: first SUBMIT to the certificate
	// (with Pause, it includes the pause before SUBMIT).
	Finality latency `json:"finality"`
	// Send is the wallet send API call: journaling, SUBMIT, certificate,
	// and spreading it to the validators.
	Send    latency `json:"send"`
	FirstMs float64 `json:"first_finality_ms"` // the first payment's finality
	Seconds float64 `json:"seconds"`           // all payments, one after another
}

func cmdBenchPayments(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench payments", "bench payments [--transport tcp|onion] [--payments N] [--pause] [--json]")
	transport := fs.String("transport", "tcp", "tcp: loopback TCP links; onion: onion services on a private Tor network")
	count := fs.Int("payments", 50, "payments user a makes to user b, one after another")
	pause := fs.Bool("pause", false, "keep the wallet's random pause (below 1 s) before each attempt, as a user's node does")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *count < 1 || *count > benchMaxPayments || (*transport != "tcp" && *transport != "onion") {
		return usageError{fmt.Sprintf("bench payments: --payments must be between 1 and %d, --transport tcp or onion", benchMaxPayments)}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM) // Ctrl-C stops the nodes too
	defer stop()
	res, err := benchPayments(ctx, e, *transport, *count, *pause)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, res)
	}
	printPaymentsBench(e.stdout, res)
	return nil
}

func printPaymentsBench(w io.Writer, r paymentsResult) {
	fmt.Fprintf(w, "payments through 3-hop circuits (%s links, 5 local nodes; %d validators, quorum %d; payer's node is not a validator):\n", r.Transport, r.Validators, r.Quorum)
	if r.Pause {
		fmt.Fprintln(w, "  wallet's random pause: ON (uniform below 1 s before SUBMIT, in the finality figure, and again before spreading the certificate: the send call holds both)")
	} else {
		fmt.Fprintln(w, "  wallet's random pause: OFF (payer node run with LedgerTuning.MaxDelay = -1; --pause keeps it)")
	}
	fmt.Fprintf(w, "  %d payments from user a to user b, one after another, all final, in %.2f s\n", r.Payments, r.Seconds)
	fmt.Fprintf(w, "  time to finality (first SUBMIT → certificate): median %.1f ms, p99 %.1f ms, max %.1f ms (first payment %.1f ms)\n",
		r.Finality.MedianMs, r.Finality.P99Ms, r.Finality.MaxMs, r.FirstMs)
	fmt.Fprintf(w, "  wallet send call (journal → certificate spread to the validators): median %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.Send.MedianMs, r.Send.P99Ms, r.Send.MaxMs)
	if r.Payments < 100 {
		fmt.Fprintf(w, "  (p99 is the nearest rank: with fewer than 100 payments it is the max)\n")
	}
}

func benchPayments(ctx context.Context, e *env, transport string, count int, pause bool) (paymentsResult, error) {
	res := paymentsResult{Transport: transport, Payments: count, Pause: pause}
	root, err := os.MkdirTemp("", "warren-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(root)
	waits := demoTCPWaits
	if transport == "onion" {
		waits = demoTorWaits
	}
	quiet := &env{stdout: io.Discard, stderr: e.stderr, getenv: e.getenv}
	runArgs, closeNet, err := demoTransport(ctx, quiet, "bench", root, transport, 5)
	defer closeNet()
	var nodes []*demoNode
	var dl *demoLedger
	stopPayer := func() {}
	if err == nil {
		nodes, dl, err = demoInit(ctx, quiet, root, 5, testnetKDF)
	}
	if err == nil && dl == nil {
		err = fmt.Errorf("bench: the demo's genesis names no validators")
	}
	if err == nil {
		stopPayer, err = benchStartPayNet(ctx, e, nodes, dl, runArgs, waits, pause)
	}
	if err == nil {
		res, err = benchPayRun(ctx, e.stderr, nodes, dl, res, waits)
	}
	stopPayer()
	if stopErr := demoStop(quiet, "bench", nodes); err == nil {
		err = stopErr
	}
	if err != nil {
		demoShowLogs(e, nodes)
	}
	return res, err
}

// benchStartPayNet starts the validators b..e as `warren run` processes
// (as demoStartAll does), then the payer's node a in this process, told
// all their records, and waits for every link and address book. It
// returns how to stop node a.
func benchStartPayNet(ctx context.Context, e *env, nodes []*demoNode, dl *demoLedger, runArgs []string, waits demoWaits, pause bool) (func(), error) {
	var records []string
	for i, n := range nodes[1:] {
		args := append([]string{"run", "--dir", n.dir, "--passphrase-file", n.pass, "--log-level", "warn", "--relay"}, runArgs...)
		if i+1 == 2 || i+1 == 3 {
			args = append(args, "--mailbox")
		}
		if dl.validators[i+1] {
			args = append(args, "--validator")
		}
		for _, r := range records {
			args = append(args, "--peer", r)
		}
		n.args = args
		if err := n.start(ctx, args, waits.start); err != nil {
			return func() {}, err
		}
		rec, err := benchRecord(ctx, n)
		if err != nil {
			return func() {}, err
		}
		records = append(records, rec)
		fmt.Fprintf(e.stderr, "bench: node %s running (validator: %v)\n", n.name, dl.validators[i+1])
	}
	stop, err := benchStartPayer(ctx, e, nodes[0], runArgs, records, pause)
	if err != nil {
		return stop, err
	}
	fmt.Fprintf(e.stderr, "bench: node a (the payer's) running in this process\n")
	if err := demoAwaitLinks(ctx, e.stderr, nodes, waits.link); err != nil {
		return stop, err
	}
	return stop, demoAwaitBooks(ctx, nodes, waits.link)
}

func benchRecord(ctx context.Context, n *demoNode) (string, error) {
	info, err := daemon.ReadInfo(ctx, n.dir)
	if err != nil {
		return "", err
	}
	n.id = info.NodeID.String()
	return base64.RawURLEncoding.EncodeToString(info.Record), nil
}

// benchStartPayer starts node a in this process with the configuration
// `warren run` derives from the same flags, plus the ledger tuning: no
// random pause unless pause. Its log (and its tor's progress) goes to
// its log file, as the other nodes' do. It returns how to stop it.
func benchStartPayer(ctx context.Context, e *env, n *demoNode, runArgs, records []string, pause bool) (func(), error) {
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return func() {}, err
	}
	node, err := benchPayerNode(ctx, logf, e, n, runArgs, records, pause)
	if err != nil {
		logf.Close()
		return func() {}, fmt.Errorf("start node %s: %w", n.name, err)
	}
	stop := func() { node.Close(); logf.Close() }
	info, err := daemon.ReadInfo(ctx, n.dir)
	if err == nil {
		n.id = info.NodeID.String()
	}
	return stop, err
}

func benchPayerNode(ctx context.Context, logf *os.File, e *env, n *demoNode, runArgs, records []string, pause bool) (*daemon.Node, error) {
	le := &env{stdout: io.Discard, stderr: logf, getenv: e.getenv}
	args := append([]string{"--dir", n.dir, "--log-level", "warn", "--relay"}, runArgs...)
	for _, r := range records {
		args = append(args, "--peer", r)
	}
	fs, f := runFlagSet(le)
	if err := parseRun(fs, args); err != nil {
		return nil, err
	}
	cfg, err := f.config(le)
	if err != nil {
		return nil, err
	}
	if cfg.Passphrase, err = readPassphraseFile(n.pass); err != nil {
		return nil, err
	}
	if !pause {
		cfg.Ledger.MaxDelay = -1
	}
	return daemon.Start(ctx, cfg)
}

// benchPayRun restores the users' wallets, waits until node a reaches
// every validator, and times the payments.
func benchPayRun(ctx context.Context, progress io.Writer, nodes []*demoNode, dl *demoLedger, res paymentsResult, waits demoWaits) (paymentsResult, error) {
	a, b := nodes[0], nodes[1]
	ca, cb := api.NewClient(daemon.SocketPath(a.dir)), api.NewClient(daemon.SocketPath(b.dir))
	for _, u := range []struct {
		n *demoNode
		c *api.Client
	}{{a, ca}, {b, cb}} {
		if _, err := u.c.WalletRestore(ctx, dl.words[u.n.name]); err != nil {
			return res, fmt.Errorf("wallet restore at %s: %w", u.n.name, err)
		}
	}
	st, err := benchAwaitValidators(ctx, ca, waits.link)
	if err != nil {
		return res, err
	}
	res.Validators, res.Quorum = len(st.Validators), st.Quorum
	to, err := cb.WalletAddress(ctx)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(progress, "bench: node a reaches all %d validators; sending %d payments from a to b, one after another\n", res.Validators, res.Payments)
	start := time.Now()
	fin, send, err := benchPaySeq(ctx, ca, cb, to.Address, res.Payments)
	if err != nil {
		return res, err
	}
	res.Seconds, res.FirstMs = time.Since(start).Seconds(), fin[0]
	res.Finality, res.Send = summarize(fin), summarize(send)
	return res, benchCheckBalances(ctx, ca, cb, res.Payments)
}

// benchAwaitValidators polls wallet status until node a reaches every
// validator through circuits.
func benchAwaitValidators(ctx context.Context, ca *api.Client, timeout time.Duration) (api.LedgerStatus, error) {
	var st api.LedgerStatus
	err := waitFor(ctx, timeout, "node a to reach every validator", func() (bool, error) {
		var err error
		st, err = ca.WalletStatus(ctx)
		return err == nil && len(st.Validators) > 0 && st.Reachable == len(st.Validators), nil
	})
	return st, err
}

// benchPaySeq makes count payments one after another, each timed from
// the call to its answer, and hands each certificate to b. It returns
// the daemon's finality figures and the calls' durations, in ms.
func benchPaySeq(ctx context.Context, ca, cb *api.Client, to string, count int) (fin, send []float64, err error) {
	fee := uint64(benchPayFee)
	for i := range count {
		start := time.Now()
		p, err := ca.WalletSend(ctx, api.PayRequest{To: to, Amount: benchPayAmount, Fee: &fee})
		took := float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			return nil, nil, fmt.Errorf("payment %d: %w", i+1, err)
		}
		if !p.Final {
			return nil, nil, fmt.Errorf("payment %d did not become final: %s", i+1, p.Note)
		}
		fin, send = append(fin, p.FinalityMS), append(send, took)
		if _, err := cb.WalletApply(ctx, p.Certificate); err != nil {
			return nil, nil, fmt.Errorf("wallet apply at b, payment %d: %w", i+1, err)
		}
	}
	return fin, send, nil
}

// benchCheckBalances: every payment moved its amount to b and its fee
// out of a.
func benchCheckBalances(ctx context.Context, ca, cb *api.Client, count int) error {
	ba, err := ca.WalletBalance(ctx)
	if err != nil {
		return err
	}
	bb, err := cb.WalletBalance(ctx)
	if err != nil {
		return err
	}
	n := uint64(count)
	wantA, wantB := demoGrants["a"]-n*(benchPayAmount+benchPayFee), demoGrants["b"]+n*benchPayAmount
	if ba.Spendable != wantA || bb.Spendable != wantB {
		return fmt.Errorf("bench: after %d payments a holds %+v (want %d spendable), b %+v (want %d)", count, ba, wantA, bb, wantB)
	}
	return nil
}

// summarize gives the median, the nearest-rank p99 and the max of ms.
func summarize(ms []float64) latency {
	s := slices.Clone(ms)
	slices.Sort(s)
	n := len(s)
	return latency{MedianMs: s[n/2], P99Ms: s[(n*99+99)/100-1], MaxMs: s[n-1]}
}
