package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
)

// LedgerCoin returns the state of coin id and, unless it is unknown or a
// tombstone, its encoding.
func (db *DB) LedgerCoin(ctx context.Context, id [32]byte) (LedgerState, []byte, error) {
	var state int64
	var enc []byte
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT state, coin FROM ledger_coin WHERE id = ?`, id[:]).Scan(&state, &enc)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return LedgerUnknown, nil, nil
	case err != nil:
		return 0, nil, err
	}
	return checkCoinRow(id, state, enc)
}

// checkCoinRow checks a row read back against the schema's rules.
func checkCoinRow(id [32]byte, state int64, enc []byte) (LedgerState, []byte, error) {
	switch {
	case state == int64(LedgerTombstone) && enc == nil:
	case (state == int64(LedgerUnspent) || state == int64(LedgerSpent)) &&
		len(enc) == LedgerCoinSize && [32]byte(enc[1:33]) == id:
	default:
		return 0, nil, ErrLedgerCorrupt
	}
	return LedgerState(state), enc, nil
}

// LedgerLock returns the digest of the order that locks coin id, if any.
func (db *DB) LedgerLock(ctx context.Context, id [32]byte) (holder [32]byte, locked bool, err error) {
	var d []byte
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT digest FROM ledger_lock WHERE coin = ?`, id[:]).Scan(&d)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return holder, false, nil
	case err != nil:
		return holder, false, err
	case len(d) != 32:
		return holder, false, ErrLedgerCorrupt
	}
	return [32]byte(d), true, nil
}

// LedgerOrder returns the signed order recorded under digest d
// (ErrLedgerNoOrder if none).
func (db *DB) LedgerOrder(ctx context.Context, d [32]byte) ([]byte, error) {
	var enc []byte
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT signed FROM ledger_order WHERE digest = ?`, d[:]).Scan(&enc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrLedgerNoOrder
	}
	return enc, err
}

// LedgerLockAndRecord locks every input to d and records order (the
// encoded signed order) under d, in one write transaction that is
// durable when it returns nil. Inputs already locked to d are no
// conflict. It writes nothing if any input is locked to another digest
// (*LedgerConflictError naming the first such input in input order and
// its holder), or if any input not locked to d is unknown
// (ErrLedgerUnknownCoin) or not unspent (ErrLedgerSpent); the first
// failing input decides the error. An order already recorded under d is
// kept as it is (the first evidence stays).
func (db *DB) LedgerLockAndRecord(ctx context.Context, d [32]byte, inputs [][32]byte, order []byte) error {
	if err := checkIDs(inputs, 1); err != nil || len(order) == 0 || len(order) > LedgerMaxOrderSize {
		return ErrLedgerInvalid
	}
	return db.WriteGrouped(ctx, func(tx *sql.Tx) error {
		// The order first (the locks reference it); every error below
		// rolls it back with the locks written so far.
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_order(digest, signed) VALUES(?, ?)
			ON CONFLICT(digest) DO NOTHING`, d[:], order); err != nil {
			return err
		}
		for _, id := range inputs {
			if err := lockInput(ctx, tx, d, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// lockInput checks one input and locks it to d unless it already is.
func lockInput(ctx context.Context, tx *sql.Tx, d, id [32]byte) error {
	var holder []byte
	var state sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT (SELECT digest FROM ledger_lock WHERE coin = ?1),
		(SELECT state FROM ledger_coin WHERE id = ?1)`, id[:]).Scan(&holder, &state)
	switch {
	case err != nil:
		return err
	case holder != nil && len(holder) != 32:
		return ErrLedgerCorrupt
	case holder != nil && !bytes.Equal(holder, d[:]):
		return &LedgerConflictError{Input: id, Holder: [32]byte(holder)}
	case holder != nil:
		return nil
	case !state.Valid:
		return ErrLedgerUnknownCoin
	case state.Int64 != int64(LedgerUnspent):
		return ErrLedgerSpent
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ledger_lock(coin, digest) VALUES(?, ?)`, id[:], d[:])
	return err
}

// LedgerApplied reports whether the certificate for d has been applied.
func (db *DB) LedgerApplied(ctx context.Context, d [32]byte) (bool, error) {
	var done bool
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM ledger_applied WHERE digest = ?)`, d[:]).Scan(&done)
	})
	return done, err
}

// LedgerApply applies the certificate for d in one durable write
// transaction, and does nothing if d was applied before. Every input
// becomes spent (unspent → spent, unknown → tombstone; spent and
// tombstone stay), every output is created (unknown → unspent, tombstone
// → spent with its encoding; unspent and spent stay), fee is added to the
// burned total (modulo 2^64, as a uint64 would) and d is marked applied.
// Locks are left as they are. cert, the encoded certificate, joins the
// feed (LedgerFeed).
func (db *DB) LedgerApply(ctx context.Context, d [32]byte, cert []byte, inputs [][32]byte, outputs []LedgerCoin, fee uint64) error {
	if err := checkIDs(inputs, 0); err != nil || len(outputs) > LedgerMaxIO || len(cert) == 0 || len(cert) > LedgerMaxCertSize {
		return ErrLedgerInvalid
	}
	for i := range outputs {
		if err := outputs[i].check(); err != nil {
			return err
		}
	}
	return db.WriteGrouped(ctx, func(tx *sql.Tx) error {
		var done bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM ledger_applied WHERE digest = ?)`, d[:]).Scan(&done)
		if err != nil || done {
			return err
		}
		if err := applyLocked(ctx, tx, inputs, outputs, fee); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO ledger_applied(digest) VALUES(?)`, d[:]); err != nil {
			return err
		}
		return appendFeed(ctx, tx, d, cert)
	})
}

// applyLocked writes a certificate's effects inside LedgerApply's transaction.
func applyLocked(ctx context.Context, tx *sql.Tx, inputs [][32]byte, outputs []LedgerCoin, fee uint64) error {
	for _, id := range inputs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_coin(id, state, coin) VALUES(?, 3, NULL)
			ON CONFLICT(id) DO UPDATE SET state = 2 WHERE state = 1`, id[:]); err != nil {
			return err
		}
	}
	for _, c := range outputs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_coin(id, state, coin) VALUES(?, 1, ?)
			ON CONFLICT(id) DO UPDATE SET state = 2, coin = excluded.coin WHERE state = 3`, c.ID[:], c.Enc); err != nil {
			return err
		}
	}
	if fee == 0 {
		return nil
	}
	burned, err := ledgerBurned(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE ledger_burned SET total = ? WHERE id = 1`,
		binary.BigEndian.AppendUint64(nil, burned+fee))
	return err
}

func ledgerBurned(ctx context.Context, tx *sql.Tx) (uint64, error) {
	var b []byte
	if err := tx.QueryRowContext(ctx, `SELECT total FROM ledger_burned WHERE id = 1`).Scan(&b); err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, ErrLedgerCorrupt
	}
	return binary.BigEndian.Uint64(b), nil
}

// LedgerSeed creates, as unspent, the coins that have no row, in one
// durable write transaction; coins already known are left as they are,
// so seeding again after a restart changes nothing.
func (db *DB) LedgerSeed(ctx context.Context, coins []LedgerCoin) error {
	if len(coins) > LedgerMaxSeed {
		return ErrLedgerInvalid
	}
	for i := range coins {
		if err := coins[i].check(); err != nil {
			return err
		}
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO ledger_coin(id, state, coin) VALUES(?, 1, ?)
			ON CONFLICT(id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range coins {
			if _, err := st.ExecContext(ctx, c.ID[:], c.Enc); err != nil {
				return err
			}
		}
		return nil
	})
}
