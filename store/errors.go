package store

import "errors"

// Sentinel errors callers may branch on with errors.Is. Messages never carry
// keys, passphrases, secret names or paths.
var (
	// ErrNoDatabase is returned by Open with Config.Inspect when there is
	// no initialised database to inspect.
	ErrNoDatabase = errors.New("store: no database in the state directory")
	// ErrClosed is returned by DB methods after Close.
	ErrClosed = errors.New("store: database is closed")
	// ErrInsecurePermissions is returned by Open when the state directory or
	// a database file is accessible to group or others, is not owned by the
	// current user, or is not of the expected file type.
	ErrInsecurePermissions = errors.New("store: insecure permissions on state directory or database file")
	// ErrIntegrity is returned by Open when PRAGMA integrity_check does not
	// answer "ok".
	ErrIntegrity = errors.New("store: database integrity check failed")
	// ErrSchemaTooNew is returned by Open when the database was written by a
	// newer binary than this one.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary supports")
	// ErrBadSchemaVersion is returned by Open for a negative schema version.
	ErrBadSchemaVersion = errors.New("store: invalid database schema version")
	// ErrInvalidKey is returned for an empty or oversized meta key or secret
	// name, or one that is not valid UTF-8 or contains NUL.
	ErrInvalidKey = errors.New("store: invalid key or secret name")
	// ErrTooLarge is returned for a meta value or secret above its limit.
	ErrTooLarge = errors.New("store: value too large")

	// ErrVaultExists is returned by InitVault when a vault already exists.
	ErrVaultExists = errors.New("store: vault already exists")
	// ErrNoVault is returned by Unlock and ChangePassphrase when no vault
	// has been initialised.
	ErrNoVault = errors.New("store: no vault")
	// ErrEmptyPassphrase is returned when a passphrase is empty: there is
	// no default passphrase.
	ErrEmptyPassphrase = errors.New("store: empty passphrase")
	// ErrWrongPassphrase is returned when the passphrase does not unwrap the
	// data key. A tampered wrapped key is indistinguishable from a wrong
	// passphrase and yields this error too.
	ErrWrongPassphrase = errors.New("store: wrong passphrase")
	// ErrBadKDFParams is returned for argon2id parameters outside the
	// accepted bounds, whether passed in or read from the database.
	ErrBadKDFParams = errors.New("store: argon2id parameters out of bounds")
	// ErrCorruptVault is returned when the vault record is malformed or of
	// an unknown version.
	ErrCorruptVault = errors.New("store: vault record is corrupt")
	// ErrVaultChanged is returned by ChangePassphrase when another change
	// committed between reading and rewriting the vault record.
	ErrVaultChanged = errors.New("store: vault changed concurrently")
	// ErrVaultClosed is returned by Vault methods after Vault.Close.
	ErrVaultClosed = errors.New("store: vault is closed")
	// ErrCorruptSecret is returned when a stored secret fails to parse or
	// to authenticate (tampering, or a blob moved from another name).
	ErrCorruptSecret = errors.New("store: secret failed authentication")
)
