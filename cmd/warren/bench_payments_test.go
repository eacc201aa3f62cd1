package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// `warren bench payments --transport tcp --payments 5 --json` on real
// processes over loopback TCP: every payment final (the bench checks both
// balances), the committee is the demo's, the figures are ordered, and
// each payment's finality is within its send call.
func TestBenchPaymentsTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: os.Getenv}
	if err := cmdBenchPayments(ctx, e, []string{"--transport", "tcp", "--payments", "5", "--json"}); err != nil {
		t.Fatalf("bench: %v\n%s", err, errb.String())
	}
	var r paymentsResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if r.Transport != "tcp" || r.Payments != 5 || r.Validators != 4 || r.Quorum != 3 || r.Pause {
		t.Fatalf("result %+v", r)
	}
	for _, l := range []latency{r.Finality, r.Send} {
		if !(0 < l.MedianMs && l.MedianMs <= l.P99Ms && l.P99Ms <= l.MaxMs) {
			t.Fatalf("figures out of order: %+v", l)
		}
	}
	if r.Finality.MaxMs > r.Send.MaxMs || r.Finality.MedianMs > r.Send.MedianMs {
		t.Fatalf("finality %+v beyond the send calls %+v", r.Finality, r.Send)
	}
}

func TestBenchPaymentsUsage(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv}
	for _, args := range [][]string{{"--payments", "0"}, {"--payments", "10001"}, {"--transport", "udp"}, {"extra"}} {
		err := cmdBenchPayments(context.Background(), e, args)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestPrintPaymentsBenchSaysPause(t *testing.T) {
	for _, pause := range []bool{false, true} {
		var b bytes.Buffer
		printPaymentsBench(&b, paymentsResult{Transport: "tcp", Payments: 3, Validators: 4, Quorum: 3, Pause: pause})
		want := map[bool]string{false: "random pause: OFF", true: "random pause: ON"}[pause]
		if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "quorum 3") {
			t.Errorf("pause %v: output lacks %q:\n%s", pause, want, b.String())
		}
	}
}
