// Package ledgerdb is a ledger validator's durable state: an adapter that
// implements ledger.Storage over the ledger tables of a *store.DB (schema
// version 6). It maps coin states, encodes and decodes coins and signed
// orders with the ledger's strict codecs, and turns the store's errors
// into the ledger's (a conflict becomes a *ledger.ConflictError).
//
// The safety of a vote rests on store.DB.LedgerLockAndRecord: the check
// and the locks of all inputs are one write transaction, committed with
// synchronous=FULL before it returns, so a validator that signs only
// after it returned nil cannot sign two orders spending one coin, even
// across a crash.
//
// It does database I/O through the store and nothing else; it owns no
// goroutine and does not own the DB (the caller opens and closes it).
// ledger.Storage takes no context, so every call is bounded by
// Config.Timeout instead. Store is safe for concurrent use.
package ledgerdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// DefaultTimeout bounds one storage call when Config.Timeout is zero. It
// is above store.DefaultBusyTimeout so that a busy database reports
// SQLite's own error first.
const DefaultTimeout = 10 * time.Second

// The store's table bounds must be the ledger's encodings (a compile
// error otherwise: a negative constant does not convert to uint).
const (
	_ = uint(store.LedgerCoinSize-ledger.CoinSize) + uint(ledger.CoinSize-store.LedgerCoinSize)
	_ = uint(store.LedgerMaxOrderSize-ledger.MaxSignedOrderSize) + uint(ledger.MaxSignedOrderSize-store.LedgerMaxOrderSize)
	_ = uint(store.LedgerMaxIO-ledger.MaxInputs) + uint(store.LedgerMaxIO-ledger.MaxOutputs)
	_ = uint(store.LedgerMaxCertSize-ledger.MaxCertificateSize) + uint(ledger.MaxCertificateSize-store.LedgerMaxCertSize)
)

// ErrCorrupt is returned when stored ledger data does not decode.
var ErrCorrupt = errors.New("ledgerdb: stored ledger data is corrupt")

// Config configures New. The zero value of Timeout means DefaultTimeout.
type Config struct {
	// Timeout bounds each call, including its wait for the single writer.
	Timeout time.Duration
}

// Store is a ledger.Storage over a *store.DB. Safe for concurrent use;
// the zero value is not usable: call New.
type Store struct {
	db      *store.DB
	timeout time.Duration
}

var _ ledger.Storage = (*Store)(nil)

// New returns a Store over db; db must stay open while the Store is used.
func New(db *store.DB, cfg Config) *Store {
	t := cfg.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	return &Store{db: db, timeout: t}
}

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// wrap marks an I/O error as this package's, keeping it for errors.Is.
func wrap(err error) error {
	if err == nil || errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("ledgerdb: %w", err)
}
