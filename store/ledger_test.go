package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func lid(b byte) [32]byte { return [32]byte{b, 0xEE} }

// lcoin is a stand-in coin encoding: the right size, carrying its ID.
func lcoin(b byte) LedgerCoin {
	enc := make([]byte, LedgerCoinSize)
	enc[0] = 0xC1
	id := lid(b)
	copy(enc[1:33], id[:])
	enc[40] = b
	return LedgerCoin{ID: id, Enc: enc}
}

func seedCoins(t testing.TB, db *DB, bs ...byte) {
	t.Helper()
	var cs []LedgerCoin
	for _, b := range bs {
		cs = append(cs, lcoin(b))
	}
	if err := db.LedgerSeed(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}

func lids(bs ...byte) [][32]byte {
	var out [][32]byte
	for _, b := range bs {
		out = append(out, lid(b))
	}
	return out
}

func lstate(t testing.TB, db *DB, b byte) LedgerState {
	t.Helper()
	st, _, err := db.LedgerCoin(context.Background(), lid(b))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func holder(t testing.TB, db *DB, b byte) ([32]byte, bool) {
	t.Helper()
	d, ok, err := db.LedgerLock(context.Background(), lid(b))
	if err != nil {
		t.Fatal(err)
	}
	return d, ok
}

var dA, dB = [32]byte{0xDA}, [32]byte{0xDB}

func TestLedgerLockConflictOnLastInputWritesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	seedCoins(t, db, 1, 2, 3)
	if err := db.LedgerLockAndRecord(ctx, dB, lids(3), []byte("order B")); err != nil {
		t.Fatal(err)
	}
	err := db.LedgerLockAndRecord(ctx, dA, lids(1, 2, 3), []byte("order A"))
	var ce *LedgerConflictError
	if !errors.As(err, &ce) || ce.Input != lid(3) || ce.Holder != dB || !errors.Is(err, ErrLedgerConflict) {
		t.Fatalf("conflict on the last input: %v", err)
	}
	for _, b := range []byte{1, 2} {
		if _, ok := holder(t, db, b); ok {
			t.Fatalf("coin %d locked although the transaction failed", b)
		}
	}
	if _, err := db.LedgerOrder(ctx, dA); !errors.Is(err, ErrLedgerNoOrder) {
		t.Fatalf("order of the failed lock recorded: %v", err)
	}
	// The unlocked coins can still go to another order.
	if err := db.LedgerLockAndRecord(ctx, [32]byte{0xDC}, lids(1, 2), []byte("order C")); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerLockErrors(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	seedCoins(t, db, 1, 2)
	if err := db.LedgerApply(ctx, dB, fakeCert, lids(2), nil, 0); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		in   [][32]byte
		want error
	}{
		"unknown":         {lids(1, 9), ErrLedgerUnknownCoin},
		"spent":           {lids(1, 2), ErrLedgerSpent},
		"no inputs":       {nil, ErrLedgerInvalid},
		"too many inputs": {make([][32]byte, LedgerMaxIO+1), ErrLedgerInvalid},
	} {
		if err := db.LedgerLockAndRecord(ctx, dA, c.in, []byte("o")); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	for _, o := range [][]byte{nil, make([]byte, LedgerMaxOrderSize+1)} {
		if err := db.LedgerLockAndRecord(ctx, dA, lids(1), o); !errors.Is(err, ErrLedgerInvalid) {
			t.Errorf("order of %d bytes: %v", len(o), err)
		}
	}
	if _, ok := holder(t, db, 1); ok {
		t.Fatal("a failed call locked coin 1")
	}
}

func TestLedgerLockIdempotentKeepsFirstEvidence(t *testing.T) {
	ctx := context.Background()
	db, dir := openTest(t)
	seedCoins(t, db, 1, 2)
	if err := db.LedgerLockAndRecord(ctx, dA, lids(1, 2), []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := db.LedgerLockAndRecord(ctx, dA, lids(1, 2), []byte("second")); err != nil {
		t.Fatalf("same digest again: %v", err)
	}
	// Applied and spent: the same digest is still no conflict.
	if err := db.LedgerApply(ctx, dA, fakeCert, lids(1, 2), nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.LedgerLockAndRecord(ctx, dA, lids(1, 2), []byte("third")); err != nil {
		t.Fatalf("same digest after apply: %v", err)
	}
	db.Close()
	db = openAt(t, dir)
	if o, err := db.LedgerOrder(ctx, dA); err != nil || string(o) != "first" {
		t.Fatalf("evidence after reopen: %q %v", o, err)
	}
	if d, ok := holder(t, db, 2); !ok || d != dA {
		t.Fatal("lock lost across reopen")
	}
}

// TestLedgerFailureMidTransactionRollsBack makes SQLite itself fail after
// the order and the first locks are written: nothing stays.
func TestLedgerFailureMidTransactionRollsBack(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	seedCoins(t, db, 1, 2, 3)
	last := lid(3)
	exec(t, db, fmt.Sprintf(`CREATE TEMP TRIGGER fail BEFORE INSERT ON ledger_lock WHEN NEW.coin = x'%x'
		BEGIN SELECT RAISE(ABORT, 'injected'); END`, last[:]))
	if err := db.LedgerLockAndRecord(ctx, dA, lids(1, 2, 3), []byte("A")); err == nil {
		t.Fatal("injected failure not reported")
	}
	for _, b := range []byte{1, 2, 3} {
		if _, ok := holder(t, db, b); ok {
			t.Fatalf("coin %d locked after a failed transaction", b)
		}
	}
	if _, err := db.LedgerOrder(ctx, dA); !errors.Is(err, ErrLedgerNoOrder) {
		t.Fatalf("order recorded after a failed transaction: %v", err)
	}
	// The same failure in Apply leaves nothing applied.
	exec(t, db, `CREATE TEMP TRIGGER fail2 BEFORE INSERT ON ledger_applied BEGIN SELECT RAISE(ABORT, 'injected'); END`)
	if err := db.LedgerApply(ctx, dA, fakeCert, lids(1), []LedgerCoin{lcoin(7)}, 5); err == nil {
		t.Fatal("injected failure not reported")
	}
	if lstate(t, db, 1) != LedgerUnspent || lstate(t, db, 7) != LedgerUnknown {
		t.Fatal("apply half-written")
	}
	if b, _ := db.LedgerBurned(ctx); b != 0 {
		t.Fatalf("burned %d after a failed apply", b)
	}
}

// fakeCert stands for an encoded certificate: the store keeps it opaque.
var fakeCert = []byte("certificate")
