package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestWriteGroupedSharesCommits: 300 concurrent writes commit in fewer
// transactions than writes; the one that fails and the one that panics
// leave nothing, every other is there after a reopen.
func TestWriteGroupedSharesCommits(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = db.WriteGrouped(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, x'01')`, fmt.Sprint("g/", i)); err != nil {
					return err
				}
				switch i {
				case 7:
					return errors.New("refused")
				case 8:
					panic("boom")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 7 || i == 8) != (err != nil) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if b := db.group.batches.Load(); b >= n {
		t.Fatalf("%d writes took %d commits: no grouping", n, b)
	} else {
		t.Logf("%d writes in %d commits", n, b)
	}
	db.Close()
	db = openAt(t, dir)
	for i := range n {
		_, ok, err := db.GetMeta(ctx, fmt.Sprint("g/", i))
		if err != nil || ok == (i == 7 || i == 8) {
			t.Fatalf("row %d after reopen: present %v, %v", i, ok, err)
		}
	}
}

// TestWriteGroupedLaterSeesEarlier: writes in one batch run in queue
// order and see each other's changes (a unique key conflicts inside the
// batch exactly as it would across commits).
func TestWriteGroupedLaterSeesEarlier(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.WriteGrouped(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('same', ?)`, []byte{byte(i)})
				return err
			})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 50 inserts of one key succeeded, want 1", ok)
	}
}

func TestWriteGroupedClosed(t *testing.T) {
	db, _ := openTest(t)
	db.Close()
	if err := db.WriteGrouped(context.Background(), func(*sql.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// BenchmarkWriteGrouped: small durable writes from 64 goroutines, grouped
// or each in its own commit.
func BenchmarkWriteGrouped(b *testing.B) {
	for _, grouped := range []bool{false, true} {
		b.Run(fmt.Sprint("grouped=", grouped), func(b *testing.B) {
			db, _ := openTest(b)
			ctx := context.Background()
			write := db.Write
			if grouped {
				write = db.WriteGrouped
			}
			var seq sync.Mutex
			n := 0
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					seq.Lock()
					n++
					k := fmt.Sprint("b/", n)
					seq.Unlock()
					if err := write(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, x'01')`, k)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// TestWriteLaterRides: riders run first in the next grouped write, hear
// their outcome after its commit, and FlushLater commits riders nobody
// carried.
func TestWriteLaterRides(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	var order []string
	var outcomes []error
	ride := func(k string, fail bool) {
		db.WriteLater(func(tx *sql.Tx) error {
			order = append(order, k)
			if fail {
				return errors.New("refused")
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, x'01')`, k)
			return err
		}, func(err error) { outcomes = append(outcomes, err) })
	}
	ride("r1", false)
	ride("r2", true)
	if !db.LaterPending() {
		t.Fatal("riders not pending")
	}
	if _, ok, _ := db.GetMeta(ctx, "r1"); ok {
		t.Fatal("a rider ran before any write")
	}
	err := db.WriteGrouped(ctx, func(tx *sql.Tx) error {
		order = append(order, "w")
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('w', x'01')`)
		return err
	})
	if err != nil || fmt.Sprint(order) != "[r1 r2 w]" || len(outcomes) != 2 || outcomes[0] != nil || outcomes[1] == nil {
		t.Fatalf("write with riders: %v, order %v, outcomes %v", err, order, outcomes)
	}
	for _, k := range []string{"r1", "w"} {
		if _, ok, _ := db.GetMeta(ctx, k); !ok {
			t.Fatalf("%s not committed", k)
		}
	}
	if db.LaterPending() {
		t.Fatal("riders still pending after a write carried them")
	}
	ride("r3", false)
	if err := db.FlushLater(ctx); err != nil || len(outcomes) != 3 {
		t.Fatalf("FlushLater: %v, outcomes %v", err, outcomes)
	}
	if _, ok, _ := db.GetMeta(ctx, "r3"); !ok {
		t.Fatal("FlushLater did not commit the rider")
	}
	if err := db.FlushLater(ctx); err != nil {
		t.Fatalf("FlushLater with nothing pending: %v", err)
	}
}

// TestWriteLaterAtClose: riders still waiting when the store closes hear
// ErrClosed; a rider queued after Close hears it at once.
func TestWriteLaterAtClose(t *testing.T) {
	db, _ := openTest(t)
	var got []error
	db.WriteLater(func(*sql.Tx) error { return nil }, func(err error) { got = append(got, err) })
	db.Close()
	db.WriteLater(func(*sql.Tx) error { return nil }, func(err error) { got = append(got, err) })
	if len(got) != 2 || !errors.Is(got[0], ErrClosed) || !errors.Is(got[1], ErrClosed) {
		t.Fatalf("riders at and after Close: %v", got)
	}
}
