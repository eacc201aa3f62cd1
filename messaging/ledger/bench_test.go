package ledger_test

import (
	"crypto/ed25519"
	"sync/atomic"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// payer is one wallet's chain of payments: each spends the previous
// change output. One owner key for the whole chain (key generation and
// stealth derivation are measured in package stealth).
type payer struct {
	w      *world
	k      ed25519.PrivateKey
	coin   ledger.CoinID
	amount uint64
	payee  [32]byte
}

// pay is one payment end to end: the wallet signs, 4 validators check,
// lock and vote, the wallet assembles the certificate (verifying q
// votes), every validator verifies and applies it.
func (p *payer) pay(tb testing.TB) {
	o := &ledger.Order{Inputs: []ledger.CoinID{p.coin}, Fee: 1, Outputs: []ledger.Output{
		{Owner: p.payee, Amount: 10}, {Owner: pub(p.k), Amount: p.amount - 11}}}
	so, err := ledger.SignOrder(p.w.net, o, []ledger.Signer{ledger.Ed25519Signer(p.k)})
	if err != nil {
		tb.Fatal(err)
	}
	votes := make([]*ledger.Vote, 0, len(p.w.vals))
	for _, v := range p.w.vals {
		vote, _, err := v.HandleOrder(so)
		if err != nil || vote == nil {
			tb.Fatal("no vote", err)
		}
		votes = append(votes, vote)
	}
	cert, err := ledger.AssembleCertificate(p.w.com, p.w.net, o, votes)
	if err != nil {
		tb.Fatal(err)
	}
	for _, v := range p.w.vals {
		if err := v.HandleCertificate(cert); err != nil {
			tb.Fatal(err)
		}
	}
	p.coin, p.amount = ledger.OutputID(so.Digest(p.w.net), 1), p.amount-11
}

// benchWorld has 64 genesis coins of 10^12, all owned by key("owner", 0).
func benchWorld(b *testing.B, n int) *world {
	amounts := make([]uint64, 64)
	for i := range amounts {
		amounts[i] = 1_000_000_000_000
	}
	w := newWorld(b, n, amounts...)
	return w
}

func (w *world) payer(i int) *payer {
	return &payer{w: w, k: w.owners[w.coin(i)], coin: w.coin(i), amount: w.amounts[w.coin(i)], payee: pub(key("payee", i))}
}

// Ed25519 operations per payment with n = 4, q = 3: the owner signs once;
// each validator verifies the owner signature and signs a vote (4 + 4);
// the wallet verifies q votes (3); each validator verifies q votes of the
// certificate (12).
const verifiesPerPayment, signsPerPayment = 4 + 3 + 4*3, 1 + 4

func BenchmarkPayment(b *testing.B) {
	w := benchWorld(b, 4)
	p := w.payer(0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.pay(b)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	b.ReportMetric(verifiesPerPayment, "verifies/payment")
	b.ReportMetric(signsPerPayment, "signs/payment")
}

// BenchmarkPaymentParallel runs independent wallets' payments on every
// core (validators are safe for concurrent use).
func BenchmarkPaymentParallel(b *testing.B) {
	w := benchWorld(b, 4)
	var next atomic.Int32
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p := w.payer(int(next.Add(1)-1) % 64)
		for pb.Next() {
			p.pay(b)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}

func BenchmarkHandleOrder(b *testing.B) {
	w := benchWorld(b, 4)
	p := w.payer(0)
	o := &ledger.Order{Inputs: []ledger.CoinID{p.coin}, Fee: 1, Outputs: []ledger.Output{{Owner: p.payee, Amount: p.amount - 1}}}
	so, _ := ledger.SignOrder(w.net, o, []ledger.Signer{ledger.Ed25519Signer(p.k)})
	w.vals[0].HandleOrder(so) // locked: the rest measure check + re-vote
	b.ReportAllocs()
	for b.Loop() {
		if v, _, err := w.vals[0].HandleOrder(so); v == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCertificate(b *testing.B) {
	w := benchWorld(b, 4)
	p := w.payer(0)
	o := &ledger.Order{Inputs: []ledger.CoinID{p.coin}, Fee: 1, Outputs: []ledger.Output{{Owner: p.payee, Amount: p.amount - 1}}}
	so, _ := ledger.SignOrder(w.net, o, []ledger.Signer{ledger.Ed25519Signer(p.k)})
	cert, err := ledger.AssembleCertificate(w.com, w.net, o, w.votes(so, 0, 1, 2, 3))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ledger.VerifyCertificate(w.com, w.net, cert); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCertificate(b *testing.B) {
	enc := encodings(b)["cert"]
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := ledger.UnmarshalCertificate(enc); err != nil {
			b.Fatal(err)
		}
	}
}
