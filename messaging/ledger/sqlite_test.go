package ledger_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerdb"
	"github.com/warrennet/warren/store"
)

// The SQLite storage (ledgerdb over store) runs the validator's safety
// tests too. Each validator gets its own database, copied from a
// migrated template so that a world of seven costs seven file copies,
// not seven migrations.

var template struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

func templateDB() (string, error) {
	template.once.Do(func() {
		if template.dir, template.err = os.MkdirTemp("", "ledgerdb-template"); template.err != nil {
			return
		}
		var db *store.DB
		if db, template.err = store.Open(context.Background(), store.Config{Dir: template.dir}); template.err == nil {
			template.err = db.Close() // checkpoints: warren.db alone holds everything
		}
	})
	return filepath.Join(template.dir, store.FileName), template.err
}

// openSQLite opens a fresh migrated database in its own directory.
func openSQLite(tb testing.TB) (*store.DB, string) {
	tb.Helper()
	src, err := templateDB()
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := copyFile(src, filepath.Join(dir, store.FileName)); err != nil {
		tb.Fatal(err)
	}
	return reopenSQLite(tb, dir), dir
}

func reopenSQLite(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), store.Config{Dir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errorsJoin(err, out.Close())
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// sqliteStore reads a ledgerdb.Store back in the shape the tests use.
type sqliteStore struct {
	*ledgerdb.Store
	tb testing.TB
}

func newSQLiteStore(tb testing.TB) testStore {
	db, _ := openSQLite(tb)
	return sqliteStore{ledgerdb.New(db, ledgerdb.Config{}), tb}
}

func (s sqliteStore) Totals() (unspent, burned uint64, tombstones bool) {
	t, err := s.Audit()
	if err != nil {
		s.tb.Fatal(err)
	}
	return t.Unspent, t.Burned, t.Coins[ledger.StateTombstone] > 0
}

func (s sqliteStore) States() map[ledger.CoinID]ledger.CoinState {
	out := map[ledger.CoinID]ledger.CoinState{}
	if err := s.EachCoin(func(c ledger.Coin, st ledger.CoinState) error { out[c.ID] = st; return nil }); err != nil {
		s.tb.Fatal(err)
	}
	return out
}

func (s sqliteStore) AppliedSet() map[ledger.Digest]bool {
	out := map[ledger.Digest]bool{}
	if err := s.EachApplied(func(d ledger.Digest) error { out[d] = true; return nil }); err != nil {
		s.tb.Fatal(err)
	}
	return out
}

// withSQLite makes the worlds of the rest of tb's test use SQLite.
func withSQLite(tb testing.TB) {
	prev := newStore
	newStore = newSQLiteStore
	tb.Cleanup(func() { newStore = prev })
}

// TestSafetyOverSQLite runs the validator's safety tests over ledgerdb:
// the same assertions, every validator on its own database.
func TestSafetyOverSQLite(t *testing.T) {
	// Left out for time (they exercise no storage path the others miss):
	// the n = 7 splits and the exhaustive Byzantine assignments, whose
	// hundreds of worlds cost ~20 ms of database setup each.
	tests := []struct {
		name string
		fn   func(*testing.T)
		slow bool
	}{
		{"HonestTransfer", TestHonestTransfer, false},
		{"ByzantineN4", byzantineN4, true},
		{"EquivocationEverySplitN4", equivocationEverySplitN4, false},
		{"TwoByzantineBreakSafety", TestTwoByzantineBreakSafety, false},
		{"OverspendAndUnderspend", TestOverspendAndUnderspend, false},
		{"BadSignatures", TestBadSignatures, false},
		{"UnknownAndSpentInputs", TestUnknownAndSpentInputs, false},
		{"Replays", TestReplays, false},
		{"CrashAfterLockBeforeReply", TestCrashAfterLockBeforeReply, false},
		{"LaggingValidatorCatchesUp", TestLaggingValidatorCatchesUp, false},
		{"ConcurrentConflictingOrders", TestConcurrentConflictingOrders, false},
		{"InputSumOverflowAndMinimums", TestInputSumOverflowAndMinimums, false},
		{"NewValidatorChecksKey", TestNewValidatorChecksKey, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && (testing.Short() || raceEnabled) {
				t.Skip("slow over SQLite; runs without -short and -race")
			}
			withSQLite(t)
			tc.fn(t)
		})
	}
}

// TestRandomSchedulesOverSQLite runs seeded random schedules over both
// storages: each must pass the property checks, and the two must end in
// the same coin states and applied certificates (the storages are
// interchangeable, refusal for refusal).
func TestRandomSchedulesOverSQLite(t *testing.T) {
	n := uint64(100)
	if testing.Short() || raceEnabled {
		n = 20
	}
	for seed := range n {
		mem := newSchedule(t, seed)
		mem.run()
		mem.check()
		want := fmt.Sprint(mem.w.stores[0].States(), mem.stats)
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			withSQLite(t)
			s := newSchedule(t, seed)
			s.run()
			s.check()
			if got := fmt.Sprint(s.w.stores[0].States(), s.stats); got != want {
				t.Fatalf("seed %d: SQLite and memory storages diverge", seed)
			}
		})
	}
}

// equivocationEverySplitN4 is TestEquivocationEverySplit for n = 4.
func equivocationEverySplitN4(t *testing.T) {
	for mask := range 1 << 4 {
		w := newWorld(t, 4, 100)
		a, b := equivocate(w)
		want := 0
		if onA := popcount(mask); onA >= 3 || 4-onA >= 3 {
			want = 1
		}
		if certs := split(t, w, a, b, mask, nil); certs != want {
			t.Fatalf("split %b: %d certificates, want %d", mask, certs, want)
		}
		w.checkSupply()
	}
}

// byzantineN4 is TestByzantineUpToFNeverTwoCertificates for n = 4.
func byzantineN4(t *testing.T) {
	for byz := range 4 {
		for mask := range 1 << 4 {
			if mask&(1<<byz) != 0 {
				continue
			}
			w := newWorld(t, 4, 100)
			a, b := equivocate(w)
			if certs := split(t, w, a, b, mask, map[int]bool{byz: true}); certs > 1 {
				t.Fatalf("byzantine %d split %b: two certificates for one coin", byz, mask)
			}
			w.checkSupply()
		}
	}
}

// BenchmarkPaymentSQLite is BenchmarkPayment with each of the 4
// validators on its own SQLite database (synchronous=FULL): 4 durable
// lock transactions and 4 durable apply transactions per payment.
func BenchmarkPaymentSQLite(b *testing.B) {
	withSQLite(b)
	w := benchWorld(b, 4)
	p := w.payer(0)
	b.ReportAllocs()
	for b.Loop() {
		p.pay(b)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}

// BenchmarkPaymentParallelSQLite runs 32 independent wallets' payments
// at once over the 4 SQLite databases: concurrent locks and applications
// share durable commits (store.DB.WriteGrouped).
func BenchmarkPaymentParallelSQLite(b *testing.B) {
	withSQLite(b)
	w := benchWorld(b, 4)
	var next atomic.Int32
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p := w.payer(int(next.Add(1)-1) % 64)
		for pb.Next() {
			p.pay(b)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}
