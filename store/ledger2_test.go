package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"testing"
)

func TestLedgerApplyTombstonesAndIdempotence(t *testing.T) {
	ctx := context.Background()
	db, dir := openTest(t)
	seedCoins(t, db, 1)
	// A lagging validator: coin 5 is spent (by d2) before it is created (by d1).
	d1, d2 := [32]byte{0xD1}, [32]byte{0xD2}
	if err := db.LedgerApply(ctx, d2, fakeCert, lids(5), []LedgerCoin{lcoin(6)}, 2); err != nil {
		t.Fatal(err)
	}
	if lstate(t, db, 5) != LedgerTombstone || lstate(t, db, 6) != LedgerUnspent {
		t.Fatal("unknown input did not become a tombstone")
	}
	if _, enc, _ := db.LedgerCoin(ctx, lid(5)); enc != nil {
		t.Fatal("tombstone has an encoding")
	}
	if err := db.LedgerApply(ctx, d1, fakeCert, lids(1), []LedgerCoin{lcoin(5)}, 3); err != nil {
		t.Fatal(err)
	}
	st, enc, err := db.LedgerCoin(ctx, lid(5))
	if err != nil || st != LedgerSpent || string(enc) != string(lcoin(5).Enc) {
		t.Fatalf("tombstone not turned into a known spent coin: %v %v", st, err)
	}
	db.Close()
	db = openAt(t, dir)
	// Both again, after a reopen: nothing changes, fees are not burned twice.
	for _, d := range [][32]byte{d1, d2} {
		if err := db.LedgerApply(ctx, d, fakeCert, lids(5), []LedgerCoin{lcoin(6)}, 100); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := db.LedgerBurned(ctx); b != 5 {
		t.Fatalf("burned %d, want 5", b)
	}
	if lstate(t, db, 1) != LedgerSpent || lstate(t, db, 6) != LedgerUnspent {
		t.Fatal("state changed by a repeated apply")
	}
	n := 0
	db.LedgerEachApplied(ctx, func([32]byte) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d applied, want 2", n)
	}
}

func TestLedgerBurnedWrapsLikeUint64(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.LedgerApply(ctx, [32]byte{1}, fakeCert, nil, nil, math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	if b, _ := db.LedgerBurned(ctx); b != math.MaxUint64 {
		t.Fatalf("burned %d", b)
	}
	if err := db.LedgerApply(ctx, [32]byte{2}, fakeCert, nil, nil, 2); err != nil {
		t.Fatal(err)
	}
	if b, _ := db.LedgerBurned(ctx); b != 1 {
		t.Fatalf("burned %d, want 1 (mod 2^64)", b)
	}
}

func TestLedgerSeedIdempotent(t *testing.T) {
	ctx := context.Background()
	db, dir := openTest(t)
	seedCoins(t, db, 1, 2)
	if err := db.LedgerApply(ctx, dA, fakeCert, lids(1), nil, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openAt(t, dir)
	seedCoins(t, db, 1, 2) // a restart seeds the genesis again
	if lstate(t, db, 1) != LedgerSpent || lstate(t, db, 2) != LedgerUnspent {
		t.Fatal("seeding again resurrected a spent coin")
	}
	bad := lcoin(3)
	bad.Enc[5] ^= 1 // the encoding does not carry the ID
	for _, cs := range [][]LedgerCoin{{bad}, {{ID: lid(4), Enc: lcoin(4).Enc[:50]}}, make([]LedgerCoin, LedgerMaxSeed+1)} {
		if err := db.LedgerSeed(ctx, cs); !errors.Is(err, ErrLedgerInvalid) {
			t.Fatalf("bad seed: %v", err)
		}
	}
	if err := db.LedgerApply(ctx, dB, fakeCert, nil, []LedgerCoin{bad}, 0); !errors.Is(err, ErrLedgerInvalid) {
		t.Fatalf("bad output: %v", err)
	}
}

// TestLedgerSchemaChecks writes rows directly: the schema refuses what
// breaks the tables' rules, whatever the code above it does.
func TestLedgerSchemaChecks(t *testing.T) {
	db, _ := openTest(t)
	seedCoins(t, db, 1, 2, 4)
	exec(t, db, `INSERT INTO ledger_order VALUES (?, x'01')`, dA[:])
	exec(t, db, `INSERT INTO ledger_lock VALUES (?, ?)`, lids(1)[0][:], dA[:])
	c3, id3 := lcoin(3), lid(3)
	short := make([]byte, 31)
	bad := map[string][]any{
		"coin id length":     {`INSERT INTO ledger_coin VALUES (?, 1, ?)`, short, c3.Enc},
		"coin id as text":    {`INSERT INTO ledger_coin VALUES (?, 1, ?)`, string(id3[:]), c3.Enc},
		"coin state 0":       {`INSERT INTO ledger_coin VALUES (?, 0, ?)`, id3[:], c3.Enc},
		"coin state 4":       {`INSERT INTO ledger_coin VALUES (?, 4, ?)`, id3[:], c3.Enc},
		"coin length":        {`INSERT INTO ledger_coin VALUES (?, 1, ?)`, id3[:], c3.Enc[:105]},
		"coin of another id": {`INSERT INTO ledger_coin VALUES (?, 1, ?)`, id3[:], lcoin(4).Enc},
		"unspent without":    {`INSERT INTO ledger_coin VALUES (?, 1, NULL)`, id3[:]},
		"tombstone with":     {`INSERT INTO ledger_coin VALUES (?, 3, ?)`, id3[:], c3.Enc},
		"spent to unspent":   {`UPDATE ledger_coin SET state = 1 WHERE id = ?`, lids(2)[0][:]},
		"coin rewritten":     {`UPDATE ledger_coin SET coin = ? WHERE id = ?`, lcoin(2).Enc[:106:106], lids(1)[0][:]},
		"coin deleted":       {`DELETE FROM ledger_coin WHERE id = ?`, lids(2)[0][:]},
		"lock changed":       {`UPDATE ledger_lock SET digest = digest`},
		"lock removed":       {`DELETE FROM ledger_lock`},
		"lock unknown coin":  {`INSERT INTO ledger_lock VALUES (?, ?)`, id3[:], dA[:]},
		"lock spent coin":    {`INSERT INTO ledger_lock VALUES (?, ?)`, lids(9)[0][:], dA[:]},
		"lock no order":      {`INSERT INTO ledger_lock VALUES (?, ?)`, lids(4)[0][:], dB[:]},
		"order changed":      {`UPDATE ledger_order SET signed = x'02'`},
		"order deleted":      {`DELETE FROM ledger_order`},
		"order empty":        {`INSERT INTO ledger_order VALUES (?, x'')`, dB[:]},
		"order too long":     {`INSERT INTO ledger_order VALUES (?, ?)`, dB[:], make([]byte, LedgerMaxOrderSize+1)},
		"order digest":       {`INSERT INTO ledger_order VALUES (?, x'01')`, short},
		"applied digest":     {`INSERT INTO ledger_applied VALUES (?)`, short},
		"applied deleted":    {`DELETE FROM ledger_applied`},
		"burned length":      {`UPDATE ledger_burned SET total = x'00'`},
		"burned second row":  {`INSERT INTO ledger_burned VALUES (2, zeroblob(8))`},
		"burned deleted":     {`DELETE FROM ledger_burned`},
	}
	// Rows some cases need: a spent coin 9 and an applied digest.
	exec(t, db, `INSERT INTO ledger_coin VALUES (?, 2, ?)`, lids(9)[0][:], lcoin(9).Enc)
	exec(t, db, `INSERT INTO ledger_applied VALUES (?)`, dA[:])
	exec(t, db, `UPDATE ledger_coin SET state = 2 WHERE id = ?`, lids(2)[0][:])
	for name, q := range bad {
		err := tryExec(db, q[0].(string), q[1:]...)
		t.Logf("%s: %v", name, err)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// And the legal transitions pass.
	exec(t, db, `INSERT INTO ledger_coin VALUES (?, 3, NULL)`, id3[:])
	exec(t, db, `UPDATE ledger_coin SET state = 2, coin = ? WHERE id = ?`, c3.Enc, id3[:])
}

func tryExec(db *DB, q string, args ...any) error {
	return db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
}
