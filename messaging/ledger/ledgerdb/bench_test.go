package ledgerdb_test

import (
	"path/filepath"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgertest"
)

// BenchmarkLockAndRecordApply measures the storage side of one payment:
// the durable lock of its input and the application of its certificate
// (a chain: each payment spends the previous one's output). Signatures
// are not checked by Storage, so none are made.
func BenchmarkLockAndRecordApply(b *testing.B) {
	for _, s := range []struct {
		name string
		st   func(*fixture) ledger.Storage
	}{
		{"mem", func(*fixture) ledger.Storage { return ledgertest.NewMem() }},
		{"sqlite", func(f *fixture) ledger.Storage { return f.st }},
	} {
		b.Run(s.name, func(b *testing.B) {
			f := newFixtureAt(b, filepath.Join(b.TempDir(), "state"), 1, 1<<50)
			st := s.st(f)
			if err := st.Seed(f.genesis); err != nil {
				b.Fatal(err)
			}
			in, amount := f.genesis[0].ID, f.genesis[0].Amount
			owner := pub(key("out", 0))
			b.ReportAllocs()
			for b.Loop() {
				if amount < 2 {
					b.Fatal("chain too long for the genesis coin")
				}
				so := &ledger.SignedOrder{Order: ledger.Order{Inputs: []ledger.CoinID{in}, Fee: 1,
					Outputs: []ledger.Output{{Owner: owner, Amount: amount - 1}}}, Sigs: make([][ledger.SigSize]byte, 1)}
				d := so.Digest(net)
				if err := st.LockAndRecord(d, so); err != nil {
					b.Fatal(err)
				}
				if err := st.Apply(d, &ledger.Certificate{Order: so.Order, Votes: []ledger.CertVote{{}}}); err != nil {
					b.Fatal(err)
				}
				in, amount = ledger.OutputID(d, 0), amount-1
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
		})
	}
}
