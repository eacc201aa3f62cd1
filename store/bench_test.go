package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// BenchmarkUnlock measures one Unlock (argon2id with DefaultKDFParams plus
// unwrapping the DEK). Target: about 0.5 s on the 2-core reference machine.
func BenchmarkUnlock(b *testing.B) {
	b.ReportAllocs()
	db, _ := openTest(b)
	ctx := context.Background()
	pass := []byte("benchmark passphrase")
	if err := db.InitVault(ctx, pass, DefaultKDFParams(), nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		v, err := db.Unlock(ctx, pass)
		if err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

// BenchmarkInsertSyncFull inserts 1 KiB rows through Write with
// synchronous=FULL, 1 row per transaction and 1,000 rows per transaction,
// into a bench-only table in a temporary database (not part of the schema).
// limits.md: ≈7,000 rows/s single, ≈170,000 rows/s batched.
func BenchmarkInsertSyncFull(b *testing.B) {
	for _, perTx := range []int{1, 1000} {
		b.Run(fmt.Sprintf("rowsPerTx=%d", perTx), func(b *testing.B) { benchInsert(b, perTx) })
	}
}

func benchInsert(b *testing.B, perTx int) {
	b.ReportAllocs()
	db, _ := openTest(b)
	ctx := context.Background()
	exec(b, db, `CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, v BLOB NOT NULL)`)
	row := make([]byte, 1024)
	rand.Read(row)
	b.SetBytes(int64(perTx * len(row)))
	rows := 0
	for b.Loop() {
		err := db.Write(ctx, func(tx *sql.Tx) error { return insertRows(ctx, tx, row, perTx) })
		if err != nil {
			b.Fatal(err)
		}
		rows += perTx
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed())/float64(rows)/float64(time.Microsecond), "µs/row")
}

func insertRows(ctx context.Context, tx *sql.Tx, row []byte, n int) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO bench(v) VALUES (?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for range n {
		if _, err := st.ExecContext(ctx, row); err != nil {
			return err
		}
	}
	return nil
}
