package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/warrennet/warren/store/seal"
)

// vaultVersion 1: argon2id(passphrase, 16-byte salt) -> KEK;
// XChaCha20-Poly1305(KEK, ad=dekAD) wraps the 32-byte DEK in a seal blob.
const vaultVersion = 1

// Associated-data domains. A wrapped DEK cannot be opened as a secret and a
// secret cannot be opened under another name.
const (
	dekAD        = "warren/store/dek/v1"
	secretDomain = "warren/store/secret/v1\x00"
)

// vaultRow is the single row of the vault table.
type vaultRow struct {
	params  KDFParams
	salt    []byte
	wrapped []byte
}

// InitVault creates the vault: a random DEK wrapped under a KEK derived
// from passphrase with p. rand supplies the salt and DEK (nil = the DB's
// Config.Rand). It fails with ErrVaultExists if a vault exists and
// ErrEmptyPassphrase for an empty passphrase.
func (db *DB) InitVault(ctx context.Context, passphrase []byte, p KDFParams, rand io.Reader) error {
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := db.loadVault(ctx); !errors.Is(err, ErrNoVault) {
		if err == nil {
			return ErrVaultExists
		}
		return err
	}
	dek := new(seal.Key)
	defer dek.Zero()
	if _, err := io.ReadFull(db.randOr(rand), dek[:]); err != nil {
		return fmt.Errorf("store: generating data key: %w", err)
	}
	row, err := wrapDEK(dek, passphrase, p, db.randOr(rand))
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error { return insertVault(ctx, tx, row) })
}

// Unlock derives the KEK from passphrase and unwraps the DEK. It writes
// nothing. Errors: ErrNoVault, ErrEmptyPassphrase, ErrWrongPassphrase,
// ErrBadKDFParams or ErrCorruptVault for a tampered record.
func (db *DB) Unlock(ctx context.Context, passphrase []byte) (*Vault, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	row, err := db.loadVault(ctx)
	if err != nil {
		return nil, err
	}
	dek, err := row.unwrap(passphrase)
	if err != nil {
		return nil, err
	}
	db.log.Info("store: vault unlocked")
	return &Vault{db: db, dek: dek}, nil
}

// ChangePassphrase re-wraps the DEK under a KEK derived from newPass with p
// and a fresh salt. Secrets are not re-encrypted: they stay sealed under
// the same DEK, so anyone who already holds the DEK (or an old copy of the
// database and the old passphrase) can still read them.
//
// Crash safety: the new record replaces the old one in a single UPDATE in
// one transaction (WAL, synchronous=FULL). Both records wrap the same DEK,
// so after a crash at any point exactly one of the passphrases opens the
// vault: the old one until the commit is durable, the new one after. The
// slow KDF work happens before the transaction; the UPDATE only applies if
// the record is still the one that was read (else ErrVaultChanged).
// Afterwards the WAL is checkpointed and truncated, and secure_delete is on,
// so the old wrapped DEK does not linger in the database files (the file
// system may still hold old blocks).
func (db *DB) ChangePassphrase(ctx context.Context, oldPass, newPass []byte, p KDFParams, rand io.Reader) error {
	if len(oldPass) == 0 || len(newPass) == 0 {
		return ErrEmptyPassphrase
	}
	if err := p.Validate(); err != nil {
		return err
	}
	old, err := db.loadVault(ctx)
	if err != nil {
		return err
	}
	dek, err := old.unwrap(oldPass)
	if err != nil {
		return err
	}
	defer dek.Zero()
	row, err := wrapDEK(dek, newPass, p, db.randOr(rand))
	if err != nil {
		return err
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error { return replaceVault(ctx, tx, old, row) }); err != nil {
		return err
	}
	db.log.Info("store: vault passphrase changed")
	db.checkpoint(ctx)
	return nil
}

func (db *DB) randOr(r io.Reader) io.Reader {
	if r != nil {
		return r
	}
	return db.rand
}

// checkpoint copies the WAL into the database and truncates it, best effort.
func (db *DB) checkpoint(ctx context.Context) {
	var busy, logFrames, done int
	err := db.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil || busy != 0 {
		db.log.Debug("store: wal checkpoint incomplete", "busy", busy, "err", err)
	}
}

// wrapDEK derives a KEK from pass with a fresh salt and seals dek under it.
func wrapDEK(dek *seal.Key, pass []byte, p KDFParams, rand io.Reader) (vaultRow, error) {
	row := vaultRow{params: p, salt: make([]byte, saltSize)}
	if _, err := io.ReadFull(rand, row.salt); err != nil {
		return vaultRow{}, fmt.Errorf("store: generating salt: %w", err)
	}
	kek := deriveKEK(pass, row.salt, p)
	defer kek.Zero()
	wrapped, err := seal.Seal(kek, rand, dek[:], []byte(dekAD))
	if err != nil {
		return vaultRow{}, fmt.Errorf("store: wrapping data key: %w", err)
	}
	row.wrapped = wrapped
	return row, nil
}

// unwrap derives the KEK from pass and opens the DEK.
func (r vaultRow) unwrap(pass []byte) (*seal.Key, error) {
	if _, err := seal.Parse(r.wrapped); err != nil {
		return nil, fmt.Errorf("%w: wrapped key: %v", ErrCorruptVault, err)
	}
	kek := deriveKEK(pass, r.salt, r.params)
	defer kek.Zero()
	pt, err := seal.Open(kek, r.wrapped, []byte(dekAD))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	defer clear(pt)
	if len(pt) != seal.KeySize {
		return nil, fmt.Errorf("%w: data key has wrong length", ErrCorruptVault)
	}
	dek := new(seal.Key)
	copy(dek[:], pt)
	return dek, nil
}
