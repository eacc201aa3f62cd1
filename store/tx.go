package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Write runs fn in a write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits if fn returns nil; otherwise, or if fn
// panics, it rolls back. Writes are serialised: a Write waits, bounded by
// ctx, until the previous one finishes. fn must not call Write or Read
// (nested Write deadlocks until ctx ends; Read uses another connection and
// does not see fn's uncommitted changes). The commit is durable
// (synchronous=FULL) when Write returns nil.
func (db *DB) Write(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.run(ctx, db.w, fn)
}

// Read runs fn in a transaction on a read-only connection; fn sees one
// consistent snapshot of committed data. Any attempt to write fails. Reads
// run concurrently with each other and with the writer.
func (db *DB) Read(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.run(ctx, db.r, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, fn func(*sql.Tx) error) (err error) {
	if db.closed.Load() {
		return ErrClosed
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		if db.closed.Load() {
			return ErrClosed
		}
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}
