package store

import (
	"context"
	"database/sql"
)

// LedgerBurned returns the burned total.
func (db *DB) LedgerBurned(ctx context.Context) (uint64, error) {
	var b uint64
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		b, err = ledgerBurned(ctx, tx)
		return err
	})
	return b, err
}

// LedgerEachCoin calls fn for every stored coin, in ID order, from one
// snapshot; it stops at fn's first error and returns it. A row that
// breaks the schema's rules is ErrLedgerCorrupt. fn must not call db.
// It reads the whole table: for audits and tests, not for hot paths.
func (db *DB) LedgerEachCoin(ctx context.Context, fn func(LedgerCoinRow) error) error {
	return db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, state, coin FROM ledger_coin ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, enc []byte
			var state int64
			if err := rows.Scan(&id, &state, &enc); err != nil {
				return err
			}
			if len(id) != 32 {
				return ErrLedgerCorrupt
			}
			r := LedgerCoinRow{ID: [32]byte(id)}
			if r.State, r.Enc, err = checkCoinRow(r.ID, state, enc); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// LedgerEachApplied calls fn with the digest of every applied
// certificate, in digest order, from one snapshot; it stops at fn's
// first error and returns it. fn must not call db.
func (db *DB) LedgerEachApplied(ctx context.Context, fn func([32]byte) error) error {
	return db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT digest FROM ledger_applied ORDER BY digest`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d []byte
			if err := rows.Scan(&d); err != nil {
				return err
			}
			if len(d) != 32 {
				return ErrLedgerCorrupt
			}
			if err := fn([32]byte(d)); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
