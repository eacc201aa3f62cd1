package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func pragmas(t *testing.T, run func(context.Context, func(*sql.Tx) error) error) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := run(context.Background(), func(tx *sql.Tx) error {
		for _, p := range []string{"journal_mode", "synchronous", "busy_timeout", "foreign_keys", "query_only", "secure_delete"} {
			var v string
			if err := tx.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
				return err
			}
			out[p] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPragmasOnEveryConnection(t *testing.T) {
	db, err := Open(context.Background(), Config{Dir: testDir(t), BusyTimeout: 1234 * time.Millisecond, ReadConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "1234", "foreign_keys": "1", "secure_delete": "1"}
	w := pragmas(t, db.Write)
	for k, v := range want {
		if w[k] != v {
			t.Errorf("writer %s = %q, want %q", k, w[k], v)
		}
	}
	if w["query_only"] != "0" {
		t.Errorf("writer query_only = %q", w["query_only"])
	}
	// Hold three read transactions at once so all three pool connections are used.
	var wg sync.WaitGroup
	var arrived sync.WaitGroup // all three transactions open at once
	arrived.Add(3)
	for range 3 {
		wg.Go(func() {
			err := db.Read(context.Background(), func(tx *sql.Tx) error {
				arrived.Done()
				arrived.Wait()
				r := pragmas(t, func(ctx context.Context, fn func(*sql.Tx) error) error { return fn(tx) })
				for k, v := range want {
					if r[k] != v {
						t.Errorf("reader %s = %q, want %q", k, r[k], v)
					}
				}
				if r["query_only"] != "1" {
					t.Errorf("reader query_only = %q", r["query_only"])
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := db.r.Stats().OpenConnections; n != 3 {
		t.Errorf("read pool has %d connections, want 3", n)
	}
}

func TestWriteCommitsAndRollsBack(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	exec(t, db, `CREATE TABLE t (x INTEGER)`)
	boom := errors.New("boom")
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO t VALUES (1)`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write err = %v", err)
	}
	func() {
		defer func() { recover() }()
		db.Write(ctx, func(tx *sql.Tx) error {
			tx.Exec(`INSERT INTO t VALUES (2)`)
			panic("fn panics")
		})
	}()
	exec(t, db, `INSERT INTO t VALUES (3)`)
	var sum int
	if err := db.Read(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT SUM(x) FROM t`).Scan(&sum) }); err != nil {
		t.Fatal(err)
	}
	if sum != 3 {
		t.Errorf("sum = %d, want 3 (only the committed row)", sum)
	}
}

func TestReadCannotWrite(t *testing.T) {
	db, _ := openTest(t)
	exec(t, db, `CREATE TABLE t (x INTEGER)`)
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t VALUES (1)`)
		return err
	})
	if err == nil {
		t.Fatal("insert through Read succeeded")
	}
}

func TestConcurrentWritesSerialize(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	exec(t, db, `CREATE TABLE c (n INTEGER)`)
	exec(t, db, `INSERT INTO c VALUES (0)`)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				err := db.Write(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRow(`SELECT n FROM c`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(`UPDATE c SET n = ?`, n+1)
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	var n int
	db.Read(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT n FROM c`).Scan(&n) })
	if n != workers*each {
		t.Errorf("n = %d, want %d (lost updates)", n, workers*each)
	}
}

func TestWriteWaitsBoundedByContext(t *testing.T) {
	db, _ := openTest(t)
	hold := make(chan struct{})
	held := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- db.Write(context.Background(), func(*sql.Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := db.Write(ctx, func(*sql.Tx) error { t.Error("second writer ran while first held the lock"); return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Write err = %v, want deadline exceeded", err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	db, err := Open(context.Background(), Config{Dir: testDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	fn := func(*sql.Tx) error { return nil }
	if err := db.Write(context.Background(), fn); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := db.Read(context.Background(), fn); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, _, err := db.GetMeta(context.Background(), "k"); !errors.Is(err, ErrClosed) {
		t.Errorf("GetMeta after Close: %v", err)
	}
}

func TestOpenEmptyDir(t *testing.T) {
	if _, err := Open(context.Background(), Config{}); err == nil {
		t.Fatal("Open with empty Dir succeeded")
	}
}

func TestOddDirectoryName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "we ird?name#%20&x=1")
	db := openAt(t, dir)
	if err := db.PutMeta(context.Background(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("database not where expected: %v", err)
	}
	db.Close()
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("stray files next to the state dir: %v", ents)
	}
}
