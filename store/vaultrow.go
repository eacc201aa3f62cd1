package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// loadVault reads and validates the vault record; ErrNoVault if absent.
func (db *DB) loadVault(ctx context.Context) (vaultRow, error) {
	var row vaultRow
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		row, err = selectVault(ctx, tx)
		return err
	})
	return row, err
}

func selectVault(ctx context.Context, tx *sql.Tx) (vaultRow, error) {
	var version, time, memory, threads int64
	var row vaultRow
	err := tx.QueryRowContext(ctx,
		`SELECT version, kdf_time, kdf_memory, kdf_threads, salt, wrapped_dek FROM vault WHERE id = 1`,
	).Scan(&version, &time, &memory, &threads, &row.salt, &row.wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return vaultRow{}, ErrNoVault
	}
	if err != nil {
		return vaultRow{}, fmt.Errorf("store: reading vault: %w", err)
	}
	if version != vaultVersion {
		return vaultRow{}, fmt.Errorf("%w: unknown version %d", ErrCorruptVault, version)
	}
	if len(row.salt) != saltSize {
		return vaultRow{}, fmt.Errorf("%w: salt length %d", ErrCorruptVault, len(row.salt))
	}
	if row.params, err = paramsFromDB(time, memory, threads); err != nil {
		return vaultRow{}, err
	}
	return row, nil
}

func insertVault(ctx context.Context, tx *sql.Tx, row vaultRow) error {
	if _, err := selectVault(ctx, tx); !errors.Is(err, ErrNoVault) {
		if err == nil {
			return ErrVaultExists
		}
		return err
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO vault(id, version, kdf_time, kdf_memory, kdf_threads, salt, wrapped_dek)
		 VALUES(1, ?, ?, ?, ?, ?, ?)`,
		vaultVersion, row.params.Time, row.params.MemoryKiB, row.params.Threads, row.salt, row.wrapped)
	return err
}

// replaceVault swaps old for row if old is still the stored record.
func replaceVault(ctx context.Context, tx *sql.Tx, old, row vaultRow) error {
	res, err := tx.ExecContext(ctx,
		`UPDATE vault SET version = ?, kdf_time = ?, kdf_memory = ?, kdf_threads = ?, salt = ?, wrapped_dek = ?
		 WHERE id = 1 AND salt = ? AND wrapped_dek = ?`,
		vaultVersion, row.params.Time, row.params.MemoryKiB, row.params.Threads, row.salt, row.wrapped,
		old.salt, old.wrapped)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrVaultChanged
	}
	return nil
}
