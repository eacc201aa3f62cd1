package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
)

// payAll makes one payment per genesis coin in idx and returns their
// certificates' digests.
func (h *harness) payAll(c *Client, idx ...int) []ledger.Digest {
	h.t.Helper()
	var ds []ledger.Digest
	for _, i := range idx {
		signed := order(h.t, h.genesis, i, 0)
		cert, err := h.pay(ctx, c, signed)
		if err != nil {
			h.t.Fatalf("payment %d: %v", i, err)
		}
		ds = append(ds, cert.Order.Digest(testNet))
	}
	return ds
}

// TestLaggingValidatorCatchesUp: validator 3 is unreachable while three
// payments become final; it never got their certificates. One catch-up
// round over its peers' feeds applies all three, and a second round
// reads nothing new (the cursors moved on).
func TestLaggingValidatorCatchesUp(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 3))
	h.net.SetDown(h.relays[3], true)
	ds := h.payAll(h.client(1), 0, 1, 2)
	h.net.SetDown(h.relays[3], false)
	for _, d := range ds {
		if h.mems[3].AppliedSet()[d] {
			t.Fatal("the unreachable validator applied a certificate")
		}
	}
	h.srvs[3].catchUp(ctx)
	h.waitApplied(ds[0], 3)
	for _, d := range ds {
		if !h.mems[3].AppliedSet()[d] {
			t.Fatal("a missed certificate was not applied")
		}
	}
	first := h.srvs[3].Stats().CaughtUp
	if first < 3 {
		t.Fatalf("caught up %d certificates, want >= 3", first)
	}
	h.srvs[3].catchUp(ctx)
	if again := h.srvs[3].Stats().CaughtUp; again != first {
		t.Fatalf("a second round read %d more certificates; the cursors did not move", again-first)
	}
	h.checkSupply()
}

// TestCatchUpLoopRuns: the same with the servers' own loops (20 ms).
func TestCatchUpLoopRuns(t *testing.T) {
	h := newHarnessCatchingUp(t, 4, ownerGenesis(t, 2), 20*time.Millisecond)
	h.net.SetDown(h.relays[2], true)
	ds := h.payAll(h.client(2), 0, 1)
	h.waitApplied(ds[1], 2) // validator 2 reads its peers' feeds by itself
	h.waitApplied(ds[0], 2)
	h.checkSupply()
}

// forgedPeers serves validator 0's real feed with a forged certificate
// inserted first.
type forgedPeers struct {
	Peers
	forged *ledger.Certificate
}

func (f forgedPeers) Feed(ctx context.Context, i int, after uint64) (ledgerwire.Certs, error) {
	m, err := f.Peers.Feed(ctx, i, after)
	if err == nil && after == 0 && len(m.Certs) > 0 {
		m.Certs = append([]*ledger.Certificate{f.forged}, m.Certs...)
	}
	return m, err
}

// TestForgedFeedCertificateIgnored: a Byzantine peer's feed carries a
// certificate whose votes are forged; the lagging validator counts it,
// applies nothing of it, and still applies the genuine one after it.
func TestForgedFeedCertificateIgnored(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 2))
	h.net.SetDown(h.relays[3], true)
	ds := h.payAll(h.client(3), 0)
	h.net.SetDown(h.relays[3], false)
	so, err := ledger.UnmarshalSignedOrder(order(t, h.genesis, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	forged := &ledger.Certificate{Order: so.Order}
	for i := range 3 {
		forged.Votes = append(forged.Votes, ledger.CertVote{Validator: uint8(i), Sig: [64]byte{byte(i + 1)}})
	}
	srv := h.srvs[3]
	srv.cfg.Peers = forgedPeers{Peers: srv.cfg.Peers, forged: forged}
	srv.catchUp(ctx)
	h.waitApplied(ds[0], 3)
	if h.mems[3].AppliedSet()[so.Digest(testNet)] {
		t.Fatal("the forged certificate was applied")
	}
	if st := srv.Stats(); st.BadFeedCerts == 0 {
		t.Fatalf("forged certificate not counted: %+v", st)
	}
	h.checkSupply()
}

func TestFollow(t *testing.T) {
	c := &ledger.Certificate{}
	pages := map[uint64]ledgerwire.Certs{
		0: {Next: 2, Last: 3, Certs: []*ledger.Certificate{c, c}},
		2: {Next: 3, Last: 3, Certs: []*ledger.Certificate{c}},
		3: {Next: 3, Last: 3},
	}
	page := func(_ context.Context, after uint64) (ledgerwire.Certs, error) { return pages[after], nil }
	count := func(*ledger.Certificate) error { return nil }
	if to, n, err := Follow(ctx, page, 0, 10, count); to != 3 || n != 3 || err != nil {
		t.Fatalf("from 0: at %d after %d certificates, %v", to, n, err)
	}
	if to, n, err := Follow(ctx, page, 0, 1, count); to != 2 || n != 2 || err != nil {
		t.Fatalf("one page: at %d after %d, %v", to, n, err)
	}
	// A cursor past the feed's end: the feed was reset; start over.
	reset := func(_ context.Context, after uint64) (ledgerwire.Certs, error) {
		if after == 9 {
			return ledgerwire.Certs{Next: 3, Last: 3}, nil
		}
		return pages[after], nil
	}
	if to, n, err := Follow(ctx, reset, 9, 10, count); to != 3 || n != 3 || err != nil {
		t.Fatalf("after a reset: at %d after %d, %v", to, n, err)
	}
	backwards := func(context.Context, uint64) (ledgerwire.Certs, error) {
		return ledgerwire.Certs{Next: 1, Last: 5, Certs: []*ledger.Certificate{c}}, nil
	}
	if _, _, err := Follow(ctx, backwards, 4, 10, count); !errors.Is(err, ErrProtocol) {
		t.Fatalf("a page going backwards: %v", err)
	}
	stop := errors.New("disk full")
	if to, n, err := Follow(ctx, page, 0, 10, func(*ledger.Certificate) error { return stop }); to != 0 || n != 0 || !errors.Is(err, stop) {
		t.Fatalf("apply failing: at %d after %d, %v", to, n, err)
	}
}

// TestServerFeedPages: the service answers FEED with every applied
// certificate, in order, over as many pages as needed.
func TestServerFeedPages(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 4))
	ds := h.payAll(h.client(4), 0, 1, 2, 3)
	h.waitApplied(ds[3], 0)
	c := h.client(5)
	var got []ledger.Digest
	page := func(ctx context.Context, after uint64) (ledgerwire.Certs, error) {
		return c.Feed(ctx, h.dialer(), h.relays[0], after)
	}
	to, n, err := Follow(ctx, page, 0, 10, func(cert *ledger.Certificate) error {
		got = append(got, cert.Order.Digest(testNet))
		return ledger.VerifyCertificate(h.com, testNet, cert)
	})
	if err != nil || n != 4 || to != 4 {
		t.Fatalf("feed read: at %d after %d, %v", to, n, err)
	}
	for i := range ds {
		if got[i] != ds[i] {
			t.Fatalf("feed order: position %d is not payment %d", i+1, i)
		}
	}
	if m, err := c.Feed(ctx, h.dialer(), h.relays[0], 99); err != nil || m.Next != 4 || m.Last != 4 || len(m.Certs) != 0 {
		t.Fatalf("past the end: %+v, %v", m, err)
	}
}

// TestGathersBounded: with MaxGathers fan-outs running (peers that never
// answer), the next SUBMIT is refused at once as unavailable and counted,
// without asking anyone; once they time out, SUBMITs are served again.
func TestGathersBounded(t *testing.T) {
	h := newHarness(t, 4, ownerGenesis(t, 3))
	var rec streams
	for i := 1; i < 4; i++ { // validators 1-3 swallow every request
		h.net.Host(h.relays[i]).Handle(ServiceName, blackHole(&rec))
	}
	srv := h.srvs[0]
	srv.gathers = make(chan struct{}, 2)
	signed := order(t, h.genesis, 0, 0)
	so, _ := ledger.UnmarshalSignedOrder(signed)
	done := make(chan ledgerwire.Response, 2)
	for range 2 {
		go func() { done <- srv.submit(so) }()
	}
	waitFor(t, func() bool { return len(srv.gathers) == 2 })
	if r, ok := srv.submit(so).(ledgerwire.Error); !ok || r.Code != ledgerwire.CodeUnavailable {
		t.Fatalf("third SUBMIT with 2 of 2 gathers running: %#v", r)
	}
	if st := srv.Stats(); st.Busy != 1 {
		t.Fatalf("busy refusals counted: %d", st.Busy)
	}
	<-done
	<-done
	waitFor(t, func() bool { return len(srv.gathers) == 0 })
}
