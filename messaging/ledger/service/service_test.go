package service

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
)

var ctx = context.Background()

func digestOf(t testing.TB, signed []byte) ledger.Digest {
	so, err := ledger.UnmarshalSignedOrder(signed)
	if err != nil {
		t.Fatal(err)
	}
	return so.Digest(testNet)
}

func TestOneDownStillFinal(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 4))
	h.net.SetDown(h.relays[3], true)
	c := h.client(1)
	for i := range 4 { // every first hop, the down one included, over the attempts
		signed := order(t, h.genesis, i, 0)
		cert, err := h.pay(ctx, c, signed)
		if err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
		if err := ledger.VerifyCertificate(h.com, testNet, cert); err != nil {
			t.Fatal(err)
		}
		h.waitApplied(digestOf(t, signed), 0, 1, 2)
		if h.mems[3].AppliedSet()[digestOf(t, signed)] {
			t.Fatal("the down validator applied a certificate")
		}
	}
	h.checkSupply()
}

func TestTwoDownStallsThenResumes(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 1))
	h.net.SetDown(h.relays[1], true)
	h.net.SetDown(h.relays[2], true)
	c := h.client(2)
	signed := order(t, h.genesis, 0, 0)
	_, _, err := c.Submit(ctx, h.dialer(), h.relays, signed)
	if !errors.Is(err, ErrNoQuorum) {
		t.Fatalf("with 2 of 4 down: %v, want ErrNoQuorum", err)
	}
	if st := h.srvs[0].Stats(); st.NoQuorums == 0 || st.Quorums != 0 {
		t.Fatalf("validator 0 stats: %+v", st)
	}
	h.net.SetDown(h.relays[1], false)
	h.net.SetDown(h.relays[2], false)
	cert, err := h.pay(ctx, c, signed) // the same bytes again
	if err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	h.waitApplied(cert.Order.Digest(testNet), 0, 1, 2, 3)
	h.checkSupply()
}

// TestBlackHoleFirstHopRetries: the first hop swallows the order; the
// client sends the identical frame over a new circuit to another
// validator and the payment is final.
func TestBlackHoleFirstHopRetries(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 1))
	var swallowed, served streams
	h.net.Host(h.relays[0]).Handle(ServiceName, blackHole(&swallowed))
	for i := 1; i < 4; i++ {
		srv := h.srvs[i]
		h.net.Host(h.relays[i]).Handle(ServiceName, func(s circapiStream) { srv.Handle(served.record(s)) })
	}
	seed := seedWithFirstHop(t, h, 0)
	c, _ := NewClient(ClientConfig{Network: testNet, Committee: h.com, Rand: rand.NewChaCha8([32]byte{seed}),
		MaxDelay: -1, AttemptTimeout: 300 * time.Millisecond})
	signed := order(t, h.genesis, 0, 0)
	cert, err := h.pay(ctx, c, signed)
	if err != nil {
		t.Fatal(err)
	}
	h.waitApplied(cert.Order.Digest(testNet), 1, 2, 3)
	opens := walletOpens(h)
	if len(opens) < 3 || opens[0].Dest != h.relays[0] || opens[1].Dest == h.relays[0] || opens[0].purpose == opens[1].purpose {
		t.Fatalf("wallet opens: %+v", opens)
	}
	want, _ := ledgerwire.AppendRequest(nil, ledgerwire.Submit{Order: mustOrder(t, signed)})
	if !swallowed.has(want) {
		t.Fatal("the black hole did not get the SUBMIT frame")
	}
	if !served.has(want) {
		t.Fatal("the retry did not carry the identical frame")
	}
	if !bytes.Contains(want, signed) {
		t.Fatal("the frame does not carry the wallet's order bytes")
	}
}

func mustOrder(t testing.TB, signed []byte) *ledger.SignedOrder {
	so, err := ledger.UnmarshalSignedOrder(signed)
	if err != nil {
		t.Fatal(err)
	}
	return so
}

// seedWithFirstHop finds a client seed whose first attempt goes to
// validator i.
func seedWithFirstHop(t testing.TB, h *harness, i int) byte {
	for s := range 255 {
		c, _ := NewClient(ClientConfig{Network: testNet, Committee: h.com, Rand: rand.NewChaCha8([32]byte{byte(s)})})
		if p, _ := c.permutation(len(h.relays)); p[0] == i {
			return byte(s)
		}
	}
	t.Fatal("no seed")
	return 0
}

func walletOpens(h *harness) (out []openRec) {
	for _, o := range h.net.Opens() {
		if o.From == walletNode {
			out = append(out, openRec{o.Dest, o.Purpose.Kind + "/" + o.Purpose.Key})
			if o.Purpose.Kind != PurposeOrder {
				h.t.Fatalf("wallet circuit of kind %q", o.Purpose.Kind)
			}
		}
	}
	return out
}

// TestEquivocationAtMostOneCertificate: a wallet signs two orders
// spending the same coin and submits them at once through different
// first hops; at most one is ever certified, and the loser is settled
// by refusals or stalls.
func TestEquivocationAtMostOneCertificate(t *testing.T) {
	const rounds = 12
	h := newHarness(t, 4, ownerGenesis(t, rounds))
	certified := 0
	for i := range rounds {
		a, b := order(t, h.genesis, i, 0), order(t, h.genesis, i, 5)
		var wg sync.WaitGroup
		results := make([]error, 2)
		certs := make([]*ledger.Certificate, 2)
		for k, signed := range [][]byte{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				certs[k], results[k] = h.pay(ctx, h.client(byte(10*i+k)), signed)
			}()
		}
		wg.Wait()
		got := 0
		for k := range certs {
			if results[k] == nil {
				got++
			} else if !errors.Is(results[k], ledger.ErrBadCert) && !errors.Is(results[k], ErrNoQuorum) {
				t.Fatalf("round %d order %d: %v", i, k, results[k])
			}
		}
		if got > 1 {
			t.Fatalf("round %d: two certificates for one coin", i)
		}
		certified += got
	}
	t.Logf("%d of %d equivocations produced one certificate, the rest none", certified, rounds)
	time.Sleep(50 * time.Millisecond)
	h.checkSupply()
}

func TestMalformedFramesCloseAndCount(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 1))
	good, _ := ledgerwire.AppendRequest(nil, ledgerwire.Submit{Order: mustOrder(t, order(t, h.genesis, 0, 0))})
	badType := bytes.Clone(good)
	badType[4] = ledgerwire.TypeOK
	badPad := bytes.Clone(good)
	badPad[len(badPad)-1] = 1
	frames := [][]byte{
		{0, 0, 0, 5, 0x11, 0, 0, 0, 0},      // length not whole units
		{0x7F, 0xFF, 0xFF, 0xFF},            // far too long
		badType, badPad, good[:len(good)-1], // the last ends early
	}
	for i, f := range frames {
		s, err := h.dialer().Open(ctx, circapiPurpose(), h.relays[0], ServiceName)
		if err != nil {
			t.Fatal(err)
		}
		if i == len(frames)-1 { // the server waits for the rest until the stream ends
			s.Write(f)
			s.Close()
			continue
		}
		go s.Write(f)
		if n, err := io.Copy(io.Discard, s); err != nil || n != 0 {
			t.Fatalf("frame %d: got %d bytes back, %v", i, n, err)
		}
		s.Close()
	}
	waitFor(t, func() bool { return h.srvs[0].Stats().Malformed == uint64(len(frames)) })
	if st := h.srvs[0].Stats(); st.Submits != 0 {
		t.Fatalf("stats: %+v", st)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
	}
}

// TestValidatorsNeverSeeSubmitter: after payments (one through a black
// hole, one refused), nothing any validator stored or logged (at Debug)
// holds the submitting node's ID, in bytes, hex or its printed forms.
func TestValidatorsNeverSeeSubmitter(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 3))
	c := h.client(7)
	var digests []ledger.Digest
	for i := range 2 {
		signed := order(t, h.genesis, i, 0)
		if _, err := h.pay(ctx, c, signed); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, digestOf(t, signed))
	}
	h.pay(ctx, c, order(t, h.genesis, 2, 0))
	h.pay(ctx, c, order(t, h.genesis, 2, 3)) // refused: Debug logs
	h.close()
	if len(h.logs.Bytes()) == 0 {
		t.Fatal("no Debug logs to check")
	}
	needles := [][]byte{walletNode[:], []byte(hex.EncodeToString(walletNode[:])), []byte(walletNode.String()), []byte(walletNode.Short())}
	var stored bytes.Buffer
	for _, d := range digests {
		// The client returns at a quorum (3 of 4): the fourth validator
		// may not have locked the order yet when the harness closes.
		found := 0
		for _, m := range h.mems {
			so, err := m.Locked(d)
			if err != nil {
				continue
			}
			found++
			b, _ := so.Marshal()
			stored.Write(b)
		}
		if found < 3 {
			t.Fatalf("only %d validators recorded a final order", found)
		}
	}
	for _, hay := range [][]byte{h.logs.Bytes(), stored.Bytes()} {
		for _, n := range needles {
			if bytes.Contains(hay, n) {
				t.Fatal("a validator stored or logged the submitting node's ID")
			}
		}
	}
	for _, o := range h.net.Opens() {
		if o.From != walletNode && o.Purpose.Kind != PurposePeer {
			t.Fatalf("a validator opened a circuit of kind %q", o.Purpose.Kind)
		}
	}
}

// TestRandomDelayBeforeFirstAttempt: the client waits a random delay
// below MaxDelay before its first circuit, and each attempt gets a fresh
// purpose.
func TestRandomDelayBeforeFirstAttempt(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 2))
	var delays []time.Duration
	opensAtSleep := -1
	c, _ := NewClient(ClientConfig{Network: testNet, Committee: h.com, Rand: rand.NewChaCha8([32]byte{3}),
		MaxDelay: time.Hour, Sleep: func(ctx context.Context, d time.Duration) error {
			if opensAtSleep < 0 {
				opensAtSleep = len(walletOpens(h))
			}
			delays = append(delays, d)
			return nil
		}})
	if _, err := h.pay(ctx, c, order(t, h.genesis, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if len(delays) != 2 || opensAtSleep != 0 || delays[0] == delays[1] || delays[0] >= time.Hour || delays[1] >= time.Hour {
		t.Fatalf("delays %v, opens before the first %d", delays, opensAtSleep)
	}
	opens := walletOpens(h)
	if len(opens) != 2 || opens[0].purpose == opens[1].purpose {
		t.Fatalf("opens: %+v", opens)
	}
}
