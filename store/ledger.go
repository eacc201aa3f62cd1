package store

import (
	"errors"
)

// schemaV6 is a ledger validator's state (messaging/ledger/ledgerdb maps
// it to ledger.Storage; see ledgerq.go for the queries). Coins and
// orders are stored in the ledger's canonical encodings, opaque here but
// for their sizes. The rules that make a vote safe are written into the
// schema as well as the code: a lock is never changed or removed and
// only locks an unspent coin; a coin is never deleted and its state only
// moves forward (unspent → spent, tombstone → spent); recorded orders and
// applied certificates are never changed or removed.
//
// States: 1 unspent, 2 spent, 3 tombstone (spent before the certificate
// that created it was applied; its encoding is not known yet). A coin
// the validator never heard of has no row. The burned total is a
// big-endian uint64 (SQLite integers are signed).
const schemaV6 = `
CREATE TABLE ledger_coin (
	id    BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 32),
	state INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
	coin  BLOB CHECK (coin IS NULL OR (typeof(coin) = 'blob' AND length(coin) = 106 AND substr(coin, 2, 32) = id)),
	CHECK ((state = 3) = (coin IS NULL))
) WITHOUT ROWID;
CREATE TRIGGER ledger_coin_upd BEFORE UPDATE ON ledger_coin
WHEN NOT (NEW.id = OLD.id AND NEW.state = 2 AND ((OLD.state = 1 AND NEW.coin = OLD.coin) OR OLD.state = 3))
BEGIN SELECT RAISE(ABORT, 'ledger: a coin state only moves forward'); END;
CREATE TRIGGER ledger_coin_del BEFORE DELETE ON ledger_coin
BEGIN SELECT RAISE(ABORT, 'ledger: coins are never deleted'); END;

CREATE TABLE ledger_order (
	digest BLOB PRIMARY KEY NOT NULL CHECK (typeof(digest) = 'blob' AND length(digest) = 32),
	signed BLOB NOT NULL CHECK (typeof(signed) = 'blob' AND length(signed) BETWEEN 1 AND 2716)
) WITHOUT ROWID;
CREATE TRIGGER ledger_order_upd BEFORE UPDATE ON ledger_order
BEGIN SELECT RAISE(ABORT, 'ledger: recorded orders are never changed'); END;
CREATE TRIGGER ledger_order_del BEFORE DELETE ON ledger_order
BEGIN SELECT RAISE(ABORT, 'ledger: recorded orders are never deleted'); END;

CREATE TABLE ledger_lock (
	coin   BLOB PRIMARY KEY NOT NULL REFERENCES ledger_coin(id) CHECK (typeof(coin) = 'blob' AND length(coin) = 32),
	digest BLOB NOT NULL REFERENCES ledger_order(digest)
) WITHOUT ROWID;
CREATE TRIGGER ledger_lock_ins BEFORE INSERT ON ledger_lock
WHEN (SELECT state FROM ledger_coin WHERE id = NEW.coin) IS NOT 1
BEGIN SELECT RAISE(ABORT, 'ledger: only an unspent coin is locked'); END;
CREATE TRIGGER ledger_lock_upd BEFORE UPDATE ON ledger_lock
BEGIN SELECT RAISE(ABORT, 'ledger: a lock is never changed'); END;
CREATE TRIGGER ledger_lock_del BEFORE DELETE ON ledger_lock
BEGIN SELECT RAISE(ABORT, 'ledger: a lock is never removed'); END;

CREATE TABLE ledger_applied (
	digest BLOB PRIMARY KEY NOT NULL CHECK (typeof(digest) = 'blob' AND length(digest) = 32)
) WITHOUT ROWID;
CREATE TRIGGER ledger_applied_del BEFORE DELETE ON ledger_applied
BEGIN SELECT RAISE(ABORT, 'ledger: applied certificates are never forgotten'); END;

CREATE TABLE ledger_burned (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	total BLOB NOT NULL CHECK (typeof(total) = 'blob' AND length(total) = 8)
);
INSERT INTO ledger_burned VALUES (1, zeroblob(8));
CREATE TRIGGER ledger_burned_del BEFORE DELETE ON ledger_burned
BEGIN SELECT RAISE(ABORT, 'ledger: the burned total is never deleted'); END;
`

// LedgerState is a coin's state as stored. The zero value is a coin with
// no row: never heard of.
type LedgerState uint8

// Coin states (the values of ledger_coin.state).
const (
	LedgerUnknown   LedgerState = 0
	LedgerUnspent   LedgerState = 1
	LedgerSpent     LedgerState = 2
	LedgerTombstone LedgerState = 3
)

// Sizes and bounds of the ledger tables (the schema enforces the sizes;
// ledgerdb checks at compile time that they are the ledger's).
const (
	// LedgerCoinSize is the size of an encoded coin: a type byte, then
	// its 32-byte ID, then the rest.
	LedgerCoinSize = 106
	// LedgerMaxOrderSize bounds an encoded signed order.
	LedgerMaxOrderSize = 2716
	// LedgerMaxIO bounds the inputs of LedgerLockAndRecord and the inputs
	// and outputs of LedgerApply.
	LedgerMaxIO = 16
	// LedgerMaxSeed bounds the coins of one LedgerSeed call.
	LedgerMaxSeed = 1 << 16
)

// Errors of the ledger tables.
var (
	// ErrLedgerUnknownCoin: LedgerLockAndRecord was asked to lock a coin
	// with no row.
	ErrLedgerUnknownCoin = errors.New("store: unknown ledger coin")
	// ErrLedgerSpent: LedgerLockAndRecord was asked to lock a coin that is
	// not unspent (and not already locked to the same digest).
	ErrLedgerSpent = errors.New("store: ledger coin not unspent")
	// ErrLedgerConflict is wrapped by *LedgerConflictError.
	ErrLedgerConflict = errors.New("store: ledger coin locked to another order")
	// ErrLedgerNoOrder: LedgerOrder found no order under the digest.
	ErrLedgerNoOrder = errors.New("store: no ledger order under that digest")
	// ErrLedgerInvalid: an argument out of bounds (counts, sizes, a coin
	// encoding that does not carry its ID).
	ErrLedgerInvalid = errors.New("store: invalid ledger argument")
	// ErrLedgerCorrupt: a stored row breaks the tables' invariants.
	ErrLedgerCorrupt = errors.New("store: ledger row is corrupt")
)

// LedgerConflictError reports an input locked to another order's digest.
type LedgerConflictError struct {
	Input, Holder [32]byte
}

func (e *LedgerConflictError) Error() string { return ErrLedgerConflict.Error() }

// Unwrap returns ErrLedgerConflict.
func (e *LedgerConflictError) Unwrap() error { return ErrLedgerConflict }

// LedgerCoin is a coin to create: its ID and its encoding
// (LedgerCoinSize bytes, bytes 1..33 being the ID).
type LedgerCoin struct {
	ID  [32]byte
	Enc []byte
}

func (c *LedgerCoin) check() error {
	if len(c.Enc) != LedgerCoinSize || [32]byte(c.Enc[1:33]) != c.ID {
		return ErrLedgerInvalid
	}
	return nil
}

// LedgerCoinRow is one stored coin; Enc is nil for a tombstone.
type LedgerCoinRow struct {
	ID    [32]byte
	State LedgerState
	Enc   []byte
}

func checkIDs(ids [][32]byte, min int) error {
	if len(ids) < min || len(ids) > LedgerMaxIO {
		return ErrLedgerInvalid
	}
	return nil
}
