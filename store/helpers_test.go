package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// testDir returns a fresh, not yet existing state directory.
func testDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "state")
}

func openAt(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openTest(t testing.TB) (*DB, string) {
	t.Helper()
	dir := testDir(t)
	return openAt(t, dir), dir
}

// initTestVault creates a vault with cheap KDF parameters.
func initTestVault(t testing.TB, db *DB, pass string) {
	t.Helper()
	if err := db.InitVault(context.Background(), []byte(pass), TestKDFParams(), nil); err != nil {
		t.Fatalf("InitVault: %v", err)
	}
}

func unlock(t testing.TB, db *DB, pass string) *Vault {
	t.Helper()
	v, err := db.Unlock(context.Background(), []byte(pass))
	if err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// stateFiles returns the contents of every regular file in dir by name.
func stateFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// rawVault returns the stored vault record columns.
func rawVault(t testing.TB, db *DB) []any {
	t.Helper()
	var ver, tm, mem, thr int64
	var salt, wrapped []byte
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT version, kdf_time, kdf_memory, kdf_threads, salt, wrapped_dek FROM vault`).
			Scan(&ver, &tm, &mem, &thr, &salt, &wrapped)
	})
	if err != nil {
		t.Fatal(err)
	}
	return []any{ver, tm, mem, thr, string(salt), string(wrapped)}
}

func exec(t testing.TB, db *DB, q string, args ...any) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
