package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// FileName is the database file inside Config.Dir.
const FileName = "warren.db"

// stmtCacheSize is how many prepared statements each connection keeps:
// the hot paths (messaging, mailboxes) run a few dozen statements over
// and over, and preparing them each time cost about 30 % of the CPU of
// the messaging path.
const stmtCacheSize = 128

// Defaults for zero Config fields.
const (
	DefaultReadConns   = 4
	DefaultBusyTimeout = 5 * time.Second
)

// Config configures Open. The zero value of each field except Dir means the
// documented default. Open does not retain or modify the Config.
type Config struct {
	// Dir is the state directory. It is created with mode 0700 if missing;
	// an existing one must not be accessible to group or others.
	Dir string
	// Logger receives operational events; nil discards them. Nothing
	// sensitive is logged above Debug.
	Logger *slog.Logger
	// ReadConns is the size of the read-only connection pool
	// (0 = DefaultReadConns).
	ReadConns int
	// BusyTimeout is SQLite's busy_timeout (0 = DefaultBusyTimeout).
	BusyTimeout time.Duration
	// Rand is the randomness for secret nonces (and vault keys when the
	// vault methods are given a nil reader); nil = crypto/rand.Reader. It
	// must be safe for concurrent use.
	Rand io.Reader
	// Inspect opens an existing database to read it without changing its
	// schema: no migration and no integrity check (the daemon that owns
	// the database does both), so a newer binary's `warren id` cannot
	// migrate a database under an older running daemon. A missing or
	// empty database is ErrNoDatabase; one newer than this binary is
	// ErrSchemaTooNew.
	Inspect bool
}

// DB is Warren's open database: one writer connection and a pool of
// read-only connections. It is safe for concurrent use.
type DB struct {
	log     *slog.Logger
	rand    io.Reader
	w       *sql.DB // MaxOpenConns(1): the one writer
	r       *sql.DB // query_only pool
	version int
	group   group // WriteGrouped's batches

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the database in cfg.Dir, checks its
// integrity, and applies pending migrations, each in its own transaction.
// It refuses a directory or file with group/world access, a database that
// fails PRAGMA integrity_check (ErrIntegrity) and one whose schema is newer
// than this binary (ErrSchemaTooNew).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Dir == "" {
		return nil, errors.New("store: Config.Dir is empty")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("store: state directory: %w", err)
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	if cfg.Inspect {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoDatabase
		}
	}
	if err := prepareDBFile(path); err != nil {
		return nil, err
	}
	db := newDB(cfg, path)
	initFn := db.init
	if cfg.Inspect {
		initFn = db.inspect
	}
	if err := initFn(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.log.Info("store: opened", "schema_version", db.version)
	db.log.Debug("store: database path", "path", path)
	return db, nil
}

func newDB(cfg Config, path string) *DB {
	db := &DB{log: cfg.Logger, rand: cfg.Rand}
	db.group.db = db
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.rand == nil {
		db.rand = rand.Reader
	}
	busy := cfg.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	reads := cfg.ReadConns
	if reads <= 0 {
		reads = DefaultReadConns
	}
	// sql.Open only validates its arguments; connections open lazily.
	db.w, _ = sql.Open("sqlite3", dsn(path, busy, false))
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	db.r, _ = sql.Open("sqlite3", dsn(path, busy, true))
	db.r.SetMaxOpenConns(reads)
	db.r.SetMaxIdleConns(reads)
	return db
}

// dsn builds the go-sqlite3 DSN. The driver applies the pragmas on every
// new connection, in this order: busy_timeout, foreign_keys, journal_mode,
// query_only, secure_delete, synchronous. mode=rw: SQLite never creates the
// file (prepareDBFile did, with mode 0600).
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Set("mode", "rw")
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_secure_delete", "on")
	q.Set("_stmt_cache_size", strconv.Itoa(stmtCacheSize))
	if readOnly {
		q.Set("_query_only", "on")
	} else {
		q.Set("_txlock", "immediate") // take the write lock at BEGIN
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

func (db *DB) init(ctx context.Context) error {
	if err := checkIntegrity(ctx, db.w); err != nil {
		return err
	}
	if err := checkJournalMode(ctx, db.w); err != nil {
		return err
	}
	v, err := migrate(ctx, db.w, migrations, db.log)
	db.version = v
	return err
}

// inspect checks only that the schema is one this binary can read.
func (db *DB) inspect(ctx context.Context) error {
	v, err := userVersion(ctx, db.w)
	if err != nil {
		return err
	}
	switch {
	case v == 0:
		return ErrNoDatabase
	case v > len(migrations):
		return fmt.Errorf("%w: database version %d, this binary knows %d", ErrSchemaTooNew, v, len(migrations))
	}
	db.version = v
	return nil
}

// checkJournalMode makes sure WAL really took (it does not on some file
// systems), since the durability argument depends on it.
func checkJournalMode(ctx context.Context, w *sql.DB) error {
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: reading journal mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("store: journal mode is %q, want wal", mode)
	}
	return nil
}

// SchemaVersion returns the schema version of the open database, which is
// the number of migrations this binary knows.
func (db *DB) SchemaVersion() int { return db.version }

// Close closes both connection pools, waiting for running transactions. The
// reader pool closes first, so the writer is the last connection and SQLite
// checkpoints and removes the WAL. Close is idempotent; later calls return
// the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.group.closeRiders()
		errR := db.r.Close()
		errW := db.w.Close()
		db.closeErr = errors.Join(errR, errW)
		db.log.Info("store: closed")
	})
	return db.closeErr
}
