package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"
)

// Limits on meta entries and secrets.
const (
	MaxKeyLen       = 255     // bytes, for meta keys and secret names
	MaxMetaValueLen = 1 << 20 // bytes
)

// PutMeta stores val under key in the public meta table, replacing any
// previous value. Meta is for non-secret data (node ID, network ID, signed
// peer record): it is stored in the clear.
func (db *DB) PutMeta(ctx context.Context, key string, val []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(val) > MaxMetaValueLen {
		return ErrTooLarge
	}
	if val == nil {
		val = []byte{}
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO meta(key, value) VALUES(?, ?)
			 ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, val)
		return err
	})
}

// GetMeta returns the value stored under key; ok is false if there is none.
func (db *DB) GetMeta(ctx context.Context, key string) (val []byte, ok bool, err error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&val)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if val == nil {
		val = []byte{}
	}
	return val, true, nil
}

// checkKey validates a meta key or secret name: 1..MaxKeyLen bytes of
// valid UTF-8 without NUL.
func checkKey(k string) error {
	if k == "" || len(k) > MaxKeyLen || !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
		return ErrInvalidKey
	}
	return nil
}
