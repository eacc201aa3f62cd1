package ledgerdb

import (
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// Totals is what Audit reads back from the tables.
type Totals struct {
	// Unspent is Σ amounts of unspent coins; Overflow is set if that sum
	// does not fit a uint64 (value was created: more than q Byzantine
	// validators, or a corrupt table).
	Unspent  uint64
	Overflow bool
	// Burned is the burned total.
	Burned uint64
	// Coins counts the rows of each state.
	Coins map[ledger.CoinState]int
	// Applied counts the applied certificates.
	Applied int
}

// Conserved reports whether Σ unspent + burned = supply and no tombstone
// remains (while one does, the sum is not meaningful yet).
func (t Totals) Conserved(supply uint64) bool {
	sum := t.Unspent + t.Burned
	return !t.Overflow && sum >= t.Unspent && sum == supply && t.Coins[ledger.StateTombstone] == 0
}

// Audit reads every coin back, decoding each, and sums the unspent
// amounts. It reads whole tables: for audits and tests.
func (s *Store) Audit() (Totals, error) {
	t := Totals{Coins: map[ledger.CoinState]int{}}
	err := s.EachCoin(func(c ledger.Coin, st ledger.CoinState) error {
		t.Coins[st]++
		if st == ledger.StateUnspent {
			sum := t.Unspent + c.Amount
			t.Overflow = t.Overflow || sum < t.Unspent
			t.Unspent = sum
		}
		return nil
	})
	if err != nil {
		return Totals{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if t.Burned, err = s.db.LedgerBurned(ctx); err != nil {
		return Totals{}, wrap(err)
	}
	err = s.db.LedgerEachApplied(ctx, func([32]byte) error { t.Applied++; return nil })
	return t, wrap(err)
}

// EachCoin calls fn for every coin the validator knows, in ID order, from
// one snapshot (a tombstone with only its ID); it stops at fn's first
// error. fn must not call s.
func (s *Store) EachCoin(fn func(ledger.Coin, ledger.CoinState) error) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return wrap(s.db.LedgerEachCoin(ctx, func(r store.LedgerCoinRow) error {
		c, st, err := decodeCoin(r.ID, r.State, r.Enc)
		if err != nil {
			return err
		}
		return fn(c, st)
	}))
}

// EachApplied calls fn with every applied certificate's digest, in
// digest order, from one snapshot; fn must not call s.
func (s *Store) EachApplied(fn func(ledger.Digest) error) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return wrap(s.db.LedgerEachApplied(ctx, func(d [32]byte) error { return fn(d) }))
}
