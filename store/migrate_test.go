package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFreshDatabaseIsAtLatestVersion(t *testing.T) {
	db, dir := openTest(t)
	if got := db.SchemaVersion(); got != len(migrations) || got < 1 {
		t.Fatalf("SchemaVersion = %d, want %d", got, len(migrations))
	}
	if err := db.PutMeta(context.Background(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := openAt(t, dir) // reopening applies nothing and keeps data
	if db2.SchemaVersion() != len(migrations) {
		t.Fatalf("reopen SchemaVersion = %d", db2.SchemaVersion())
	}
	if v, ok, err := db2.GetMeta(context.Background(), "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("GetMeta after reopen = %q, %v, %v", v, ok, err)
	}
}

func TestFutureSchemaRefused(t *testing.T) {
	db, dir := openTest(t)
	future := len(migrations) + 1
	exec(t, db, "PRAGMA user_version = "+strconv.Itoa(future))
	db.Close()
	_, err := Open(context.Background(), Config{Dir: dir})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "version "+strconv.Itoa(future)) {
		t.Errorf("error does not state the version: %q", err)
	}
	if v := rawUserVersion(t, dir); v != future {
		t.Errorf("refused open changed user_version to %d", v)
	}
}

func TestNegativeSchemaRefused(t *testing.T) {
	db, dir := openTest(t)
	exec(t, db, "PRAGMA user_version = -1")
	db.Close()
	if _, err := Open(context.Background(), Config{Dir: dir}); !errors.Is(err, ErrBadSchemaVersion) {
		t.Fatalf("Open err = %v, want ErrBadSchemaVersion", err)
	}
}

// rawUserVersion reads user_version bypassing Open.
func rawUserVersion(t *testing.T, dir string) int {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFailedMigrationRollsBack(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	base := len(migrations)
	steps := append(append([]string{}, migrations...),
		`CREATE TABLE good_step (x INTEGER)`,
		`CREATE TABLE half_step (x INTEGER); INSERT INTO no_such_table VALUES (1);`,
		`CREATE TABLE never (x INTEGER)`)
	v, err := migrate(ctx, db.w, steps, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "migration "+strconv.Itoa(base+2)) {
		t.Fatalf("migrate err = %v, want failure at migration %d", err, base+2)
	}
	if v != base+1 {
		t.Errorf("migrate returned version %d, want %d", v, base+1)
	}
	if got, _ := userVersion(ctx, db.w); got != base+1 {
		t.Errorf("user_version = %d, want %d", got, base+1)
	}
	for table, want := range map[string]bool{"good_step": true, "half_step": false, "never": false} {
		var n int
		db.w.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = ?`, table).Scan(&n)
		if (n == 1) != want {
			t.Errorf("table %s exists = %v, want %v", table, n == 1, want)
		}
	}
}

func TestIntegrityCheckFailure(t *testing.T) {
	db, dir := openTest(t)
	exec(t, db, `CREATE TABLE junk (id INTEGER PRIMARY KEY, v BLOB)`)
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		for i := range 3000 {
			if _, err := tx.Exec(`INSERT INTO junk VALUES (?, ?)`, i, rand.Text()+rand.Text()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("WAL still present after Close; corruption would land in the wrong file")
	}
	corruptPages(t, path)
	_, err = Open(context.Background(), Config{Dir: dir})
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Open err = %v, want ErrIntegrity", err)
	}
	if !strings.HasPrefix(err.Error(), "store: database integrity check failed: ") {
		t.Errorf("message = %q", err)
	}
	t.Logf("reported: %v", err)
}

// corruptPages overwrites the b-tree header of every page in the second
// half of the file with 0xff (an invalid page type), leaving page 1 intact.
func corruptPages(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if len(b) < 8*page {
		t.Fatalf("database only %d bytes", len(b))
	}
	for off := (len(b) / page / 2) * page; off+page <= len(b); off += page {
		for i := range 12 {
			b[off+i] = 0xff
		}
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestNotADatabaseIsIntegrityFailure(t *testing.T) {
	db, dir := openTest(t)
	db.Close()
	path := filepath.Join(dir, FileName)
	b, _ := os.ReadFile(path)
	copy(b, "garbage garbage garbage garbage!")
	os.WriteFile(path, b, 0o600)
	_, err := Open(context.Background(), Config{Dir: dir})
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Open err = %v, want ErrIntegrity", err)
	}
}

// TestIntegrityCheckReportsRows corrupts one value in a table row so that
// it no longer matches its index entry: the file stays readable, and
// integrity_check answers with problem rows instead of "ok".
func TestIntegrityCheckReportsRows(t *testing.T) {
	db, dir := openTest(t)
	exec(t, db, `CREATE TABLE junk (id INTEGER PRIMARY KEY, v TEXT)`)
	exec(t, db, `CREATE INDEX junk_v ON junk(v)`)
	const marker = "integrity-marker-0123456789"
	exec(t, db, `INSERT INTO junk(v) VALUES (?)`, marker)
	db.Close()
	path := filepath.Join(dir, FileName)
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte(marker))
	if i < 0 || bytes.Count(b, []byte(marker)) != 2 {
		t.Fatalf("marker found %d times, want 2 (row and index)", bytes.Count(b, []byte(marker)))
	}
	b[i+len(marker)-1] = 'X'
	os.WriteFile(path, b, 0o600)
	_, err := Open(context.Background(), Config{Dir: dir})
	if !errors.Is(err, ErrIntegrity) || !strings.HasPrefix(err.Error(), "store: database integrity check failed: ") {
		t.Fatalf("Open err = %v, want ErrIntegrity", err)
	}
	if strings.Contains(err.Error(), "malformed") {
		t.Errorf("expected an integrity_check report, got an SQLite error: %v", err)
	}
	t.Logf("reported: %v", err)
}
