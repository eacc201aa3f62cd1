package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/warrennet/warren/store/seal"
)

// MaxSecretLen bounds one secret's plaintext.
const MaxSecretLen = seal.MaxPlaintext

// Vault is an unlocked vault: it holds the data key (DEK) in memory and
// seals and opens named secrets with it. It is safe for concurrent use.
// Close zeroes the DEK; it does not close the DB, and the Vault stops
// working (ErrClosed) when the DB is closed.
type Vault struct {
	db *DB

	mu  sync.RWMutex
	dek *seal.Key // nil after Close
}

// PutSecret seals plaintext under the DEK, bound to name, and stores it,
// replacing any previous secret of that name. The name itself is stored in
// the clear.
func (v *Vault) PutSecret(ctx context.Context, name string, plaintext []byte) error {
	if err := checkKey(name); err != nil {
		return err
	}
	if len(plaintext) > MaxSecretLen {
		return ErrTooLarge
	}
	blob, err := v.seal(name, plaintext)
	if err != nil {
		return err
	}
	return v.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO secret(name, sealed) VALUES(?, ?)
			 ON CONFLICT(name) DO UPDATE SET sealed = excluded.sealed`, name, blob)
		return err
	})
}

// GetSecret returns the plaintext of the secret called name; ok is false if
// there is none. A blob that was tampered with or moved from another name
// yields ErrCorruptSecret, never garbage. The caller owns the returned
// slice and should clear it when done.
func (v *Vault) GetSecret(ctx context.Context, name string) ([]byte, bool, error) {
	if err := checkKey(name); err != nil {
		return nil, false, err
	}
	if err := v.checkOpen(); err != nil {
		return nil, false, err
	}
	var blob []byte
	err := v.db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT sealed FROM secret WHERE name = ?`, name).Scan(&blob)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	pt, err := v.open(name, blob)
	if err != nil {
		return nil, false, err
	}
	return pt, true, nil
}

// DeleteSecret removes the secret called name; it is not an error if there
// is none. With secure_delete on, SQLite overwrites the freed sealed blob.
func (v *Vault) DeleteSecret(ctx context.Context, name string) error {
	if err := checkKey(name); err != nil {
		return err
	}
	if err := v.checkOpen(); err != nil {
		return err
	}
	return v.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM secret WHERE name = ?`, name)
		return err
	})
}

// Close zeroes the DEK. It is idempotent; other methods return
// ErrVaultClosed afterwards.
func (v *Vault) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek != nil {
		v.dek.Zero()
		v.dek = nil
	}
}

func (v *Vault) checkOpen() error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return ErrVaultClosed
	}
	return nil
}

func (v *Vault) seal(name string, plaintext []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, ErrVaultClosed
	}
	blob, err := seal.Seal(v.dek, v.db.rand, plaintext, secretAD(name))
	if err != nil {
		return nil, fmt.Errorf("store: sealing secret: %w", err)
	}
	return blob, nil
}

func (v *Vault) open(name string, blob []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, ErrVaultClosed
	}
	pt, err := seal.Open(v.dek, blob, secretAD(name))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptSecret, err)
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

// secretAD binds a sealed secret to its name.
func secretAD(name string) []byte {
	return append([]byte(secretDomain), name...)
}
