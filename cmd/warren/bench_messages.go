package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

// messagesResult is one `warren bench messages` run.
type messagesResult struct {
	Transport string  `json:"transport"`
	Messages  int     `json:"messages"`
	Seconds   float64 `json:"seconds"`    // first Send to last arrival
	PerSecond float64 `json:"per_second"` // messages received per second
	MedianMs  float64 `json:"median_ms"`  // Send → arrival at the recipient
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	Delivered float64 `json:"delivered_s"` // first Send to the last receipt
	Queued    float64 `json:"queued_s"`    // first Send to the last Send's return
	Rate      float64 `json:"rate"`        // offered load, messages/s (0: unpaced)
}

func cmdBenchMessages(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench messages", "bench messages [--transport tcp|onion] [--messages N] [--senders N] [--json]")
	transport := fs.String("transport", "tcp", "tcp: loopback TCP links; onion: onion services on a private Tor network")
	count := fs.Int("messages", 5000, "texts user a sends to user b")
	senders := fs.Int("senders", 8, "concurrent API clients sending")
	rate := fs.Float64("rate", 0, "messages per second to send (0: as fast as the senders go; latency then includes queueing)")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	profDir := fs.String("cpuprofile", "", "write each node's CPU profile to `DIR`/NAME.prof (a, b: the users; c, d: their mailboxes)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *count < 1 || *senders < 1 || *rate < 0 || (*transport != "tcp" && *transport != "onion") {
		return usageError{"bench messages: --messages and --senders must be positive, --transport tcp or onion"}
	}
	res, err := benchMessages(ctx, e, benchMessagesOpts{*transport, *count, *senders, *rate, *profDir})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, res)
	}
	load := "unpaced"
	if res.Rate > 0 {
		load = fmt.Sprintf("offered at %.0f messages/s", res.Rate)
	}
	fmt.Fprintf(e.stdout, "private messages over 3-hop circuits and a mailbox (%s links, 5 local nodes; %s):\n", res.Transport, load)
	fmt.Fprintf(e.stdout, "  %d texts from user a to user b in %.2f s: %.0f messages/s received\n", res.Messages, res.Seconds, res.PerSecond)
	fmt.Fprintf(e.stdout, "  latency Send → b's inbox: median %.1f ms, p99 %.1f ms, max %.1f ms\n", res.MedianMs, res.P99Ms, res.MaxMs)
	fmt.Fprintf(e.stdout, "  every receipt back at a after %.2f s\n", res.Delivered)
	return nil
}

// benchMessagesOpts are the flags of `warren bench messages`.
type benchMessagesOpts struct {
	transport      string
	count, senders int
	rate           float64
	profDir        string // "": no profiles
}

func benchMessages(ctx context.Context, e *env, o benchMessagesOpts) (messagesResult, error) {
	transport, senders := o.transport, o.senders
	res := messagesResult{Transport: transport, Messages: o.count, Rate: o.rate}
	root, err := os.MkdirTemp("", "warren-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(root)
	waits := demoTCPWaits
	if transport == "onion" {
		waits = demoTorWaits
	}
	runArgs, closeNet, err := demoTransport(ctx, e, "bench", root, transport, 5)
	defer closeNet()
	if o.profDir != "" {
		runArgs = append(runArgs, "--cpuprofile", benchProfile)
	}
	var nodes []*demoNode
	if err == nil {
		nodes, _, err = demoInit(ctx, &env{stdout: io.Discard, stderr: e.stderr}, root, 5, testnetKDF)
	}
	if err == nil {
		err = demoStartAll(ctx, e.stderr, nodes, nil, runArgs, waits) // no validators: messages only
	}
	if err == nil {
		err = demoAwaitBooks(ctx, nodes, waits.link)
	}
	if err == nil {
		a, b := nodes[0], nodes[1]
		ca, cb := api.NewClient(daemon.SocketPath(a.dir)), api.NewClient(daemon.SocketPath(b.dir))
		if err = demoContact(ctx, e.stderr, a, b, ca, cb); err == nil {
			res, err = benchRun(ctx, e.stderr, ca, cb, res, senders)
		}
	}
	if stopErr := demoStop(&env{stdout: io.Discard, stderr: e.stderr}, "bench", nodes); err == nil {
		err = stopErr
	}
	if o.profDir != "" && err == nil {
		err = keepProfiles(nodes, o.profDir)
	}
	if err != nil {
		demoShowLogs(e, nodes)
	}
	return res, err
}

// benchProfile is each node's CPU profile, in its state directory.
const benchProfile = "cpu.prof"

// keepProfiles copies the nodes' CPU profiles to dir as NAME.prof.
func keepProfiles(nodes []*demoNode, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, n := range nodes {
		b, err := os.ReadFile(filepath.Join(n.dir, benchProfile))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, n.name+".prof"), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// arrivals records when texts reach b's event stream.
type arrivals struct {
	want int
	mu   sync.Mutex
	lat  []float64 // ms from Send to arrival
	last time.Time
	all  chan struct{} // closed when want arrived
}

func (a *arrivals) add(ev api.Event) {
	if ev.Kind != "message" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lat = append(a.lat, float64(time.Since(ev.Sent).Microseconds())/1000)
	a.last = time.Now()
	if len(a.lat) == a.want {
		close(a.all)
	}
}

// watch subscribes to c's events until ctx ends.
func (a *arrivals) watch(ctx context.Context, c *api.Client) {
	go func() { _ = c.Watch(ctx, a.add) }()
	time.Sleep(200 * time.Millisecond) // the subscription is in place
}

// benchRun sends res.Messages texts from a with several API clients and
// times their arrival in b's event stream.
func benchRun(ctx context.Context, progress io.Writer, ca, cb *api.Client, res messagesResult, senders int) (messagesResult, error) {
	arr := &arrivals{want: res.Messages, all: make(chan struct{})}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	arr.watch(wctx, cb)
	fmt.Fprintf(progress, "bench: sending %d texts from a to b with %d API clients\n", res.Messages, senders)
	start := time.Now()
	if err := benchSend(ctx, ca, res, senders, start); err != nil {
		return res, err
	}
	res.Queued = time.Since(start).Seconds()
	fmt.Fprintf(progress, "bench: all %d queued (Send returned) after %.2f s\n", res.Messages, res.Queued)
	select {
	case <-arr.all:
	case <-time.After(5 * time.Minute):
		arr.mu.Lock()
		defer arr.mu.Unlock()
		return res, fmt.Errorf("bench: only %d of %d texts arrived within 5 minutes", len(arr.lat), res.Messages)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	arr.mu.Lock()
	res.Seconds = arr.last.Sub(start).Seconds()
	sorted := slices.Clone(arr.lat)
	arr.mu.Unlock()
	slices.Sort(sorted)
	res.PerSecond = float64(res.Messages) / res.Seconds
	res.MedianMs, res.P99Ms, res.MaxMs = sorted[len(sorted)/2], sorted[len(sorted)*99/100], sorted[len(sorted)-1]
	err := waitFor(ctx, 5*time.Minute, "every receipt", outboxAll(ca, "delivered"))
	res.Delivered = time.Since(start).Seconds()
	return res, err
}

// benchSend sends res.Messages texts with senders concurrent clients,
// paced at res.Rate per second if it is set.
func benchSend(ctx context.Context, ca *api.Client, res messagesResult, senders int, start time.Time) error {
	var next atomic.Int64
	errc := make(chan error, senders)
	for range senders {
		go func() {
			for i := int(next.Add(1)); i <= res.Messages; i = int(next.Add(1)) {
				if res.Rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(float64(i-1) / res.Rate * float64(time.Second)))))
				}
				if _, err := ca.Send(ctx, "b", fmt.Sprintf("bench message at %s", time.Now().Format(time.RFC3339Nano))); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	var first error
	for range senders {
		if err := <-errc; err != nil && first == nil {
			first = fmt.Errorf("send: %w", err)
		}
	}
	return first
}
