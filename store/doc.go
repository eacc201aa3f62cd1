// Package store owns Warren's local state: one SQLite database (warren.db)
// in the node's state directory, its schema and numbered migrations, the
// single writer, and the encryption of secrets at rest (the vault). It is
// the only package that imports github.com/mattn/go-sqlite3.
//
// It does file I/O and nothing else: no network, no key generation policy
// (callers decide what secrets exist and generate them), no flags or
// environment. Callers get Config from cmd/.
//
// # Database
//
// Open creates the state directory with mode 0700 if it is missing and
// refuses an existing one that is accessible to group or others or owned by
// another user (it never chmods an existing directory). It creates
// warren.db itself with mode 0600 before SQLite opens it; SQLite gives the
// -wal and -shm files the same mode. Every connection runs with
// journal_mode=WAL, synchronous=FULL (a commit is durable when Write
// returns), busy_timeout, foreign_keys=ON and secure_delete=ON. Open runs
// PRAGMA integrity_check (ErrIntegrity unless "ok") and applies pending
// migrations, each in its own transaction; the schema version is PRAGMA
// user_version, and a database newer than the binary is refused
// (ErrSchemaTooNew). Adding a table is one appended migration.
//
// # Concurrency
//
// DB and Vault are safe for concurrent use. All writes go through one
// connection (BEGIN IMMEDIATE), so Write calls are serialised; reads use a
// separate pool of query_only connections and run in parallel, each seeing
// a committed snapshot. A Write callback must not call Write or Read.
// Close is idempotent and waits for running transactions.
//
// # Secrets at rest
//
//	passphrase --argon2id(salt, KDFParams)--> KEK (32 bytes, never stored)
//	KEK --XChaCha20-Poly1305(ad "warren/store/dek/v1")--> wrapped DEK (stored)
//	DEK --XChaCha20-Poly1305(ad "warren/store/secret/v1\x00" + name)--> sealed secret (stored)
//
// The vault table holds one record: a version, the argon2id parameters,
// the 16-byte salt and the wrapped 32-byte random DEK. Parameters read back
// are bounded (KDFParams bounds) before argon2id runs. Sealed blobs use the
// strict codec in store/seal (version, nonce, length, ciphertext). A sealed
// secret is bound to its name, so it cannot be moved to another name;
// tampering yields an error, never garbage. Secret names and meta entries
// (PutMeta) are public and stored in the clear. There is no default
// passphrase. ChangePassphrase re-wraps only the DEK; secrets are not
// re-encrypted. The unlocked DEK lives in a Vault until Vault.Close zeroes
// it; argon2id's work memory and plaintext copies held by callers are
// outside that guarantee.
//
// Files: the state directory is 0700; warren.db, warren.db-wal and
// warren.db-shm are 0600. secure_delete overwrites freed records, and
// ChangePassphrase checkpoints and truncates the WAL so the old wrapped DEK
// does not stay in the files.
package store
