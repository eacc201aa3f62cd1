package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
)

// migrations are the schema steps in order; migration i+1 is migrations[i]
// and the schema version (PRAGMA user_version) is the number applied. To
// change the schema, append one step; never edit or reorder a shipped one.
var migrations = []string{
	schemaV1, // 1: meta, vault, secret
	schemaV2, // 2: peer (address book)
	schemaV3, // 3: mailbox queues and deposits
	schemaV4, // 4: private messaging (contacts, outbox, inbox)
	schemaV5, // 5: seen: the text ID of a processed mailbox message
	schemaV6, // 6: ledger validator state
	schemaV7, // 7: wallet
	schemaV8, // 8: ledger certificate feed
}

const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE vault (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	version     INTEGER NOT NULL,
	kdf_time    INTEGER NOT NULL,
	kdf_memory  INTEGER NOT NULL, -- KiB
	kdf_threads INTEGER NOT NULL,
	salt        BLOB NOT NULL,
	wrapped_dek BLOB NOT NULL
);

CREATE TABLE secret (
	name   TEXT PRIMARY KEY NOT NULL,
	sealed BLOB NOT NULL
) WITHOUT ROWID;
`

// schemaV2 is the address book (see peers.go). Times are Unix nanoseconds,
// 0 meaning never.
const schemaV2 = `
CREATE TABLE peer (
	node_id      BLOB PRIMARY KEY NOT NULL CHECK (typeof(node_id) = 'blob' AND length(node_id) = 32),
	record       BLOB NOT NULL CHECK (typeof(record) = 'blob' AND length(record) BETWEEN 1 AND 1024),
	source       BLOB NOT NULL CHECK (typeof(source) = 'blob' AND length(source) = 32),
	tried        INTEGER NOT NULL CHECK (tried IN (0, 1)),
	anchor       INTEGER NOT NULL CHECK (anchor IN (0, 1)),
	attempts     INTEGER NOT NULL CHECK (attempts >= 0),
	last_try     INTEGER NOT NULL,
	last_success INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL,
	added        INTEGER NOT NULL
) WITHOUT ROWID;
`

// migrate brings the database up to len(steps), one transaction per step,
// and returns the resulting version.
func migrate(ctx context.Context, w *sql.DB, steps []string, log *slog.Logger) (int, error) {
	cur, err := userVersion(ctx, w)
	if err != nil {
		return 0, err
	}
	if cur < 0 {
		return cur, fmt.Errorf("%w: %d", ErrBadSchemaVersion, cur)
	}
	if cur > len(steps) {
		return cur, fmt.Errorf("%w: database is at version %d, this binary knows up to %d",
			ErrSchemaTooNew, cur, len(steps))
	}
	for v := cur + 1; v <= len(steps); v++ {
		if err := applyStep(ctx, w, v, steps[v-1]); err != nil {
			return v - 1, fmt.Errorf("store: migration %d: %w", v, err)
		}
		log.Info("store: applied migration", "version", v)
	}
	return len(steps), nil
}

// applyStep runs one migration and sets user_version in the same
// transaction. If another process migrated meanwhile, it does nothing.
func applyStep(ctx context.Context, w *sql.DB, version int, step string) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return err
	}
	if cur >= version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, step); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}

func userVersion(ctx context.Context, w *sql.DB) (int, error) {
	var v int
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: reading schema version: %w", err)
	}
	return v, nil
}

// maxIntegrityLines bounds how much of integrity_check's report goes into
// the error.
const maxIntegrityLines = 3

// checkIntegrity runs PRAGMA integrity_check and fails with ErrIntegrity
// unless the single answer is "ok". An SQLite error while checking (for
// example "file is not a database") is reported the same way, unless ctx
// ended.
func checkIntegrity(ctx context.Context, w *sql.DB) error {
	lines, err := integrityLines(ctx, w)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %v", ErrIntegrity, err)
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return nil
	}
	if len(lines) > maxIntegrityLines {
		lines = append(lines[:maxIntegrityLines], "...")
	}
	return fmt.Errorf("%w: %s", ErrIntegrity, strings.Join(lines, "; "))
}

func integrityLines(ctx context.Context, w *sql.DB) ([]string, error) {
	rows, err := w.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		lines = append(lines, s)
	}
	return lines, rows.Err()
}
