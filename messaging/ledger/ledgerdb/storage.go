package ledgerdb

import (
	"errors"
	"fmt"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// Coin implements ledger.Storage. A tombstone is returned as a Coin with
// only its ID set.
func (s *Store) Coin(id ledger.CoinID) (ledger.Coin, ledger.CoinState, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, enc, err := s.db.LedgerCoin(ctx, id)
	if err != nil {
		return ledger.Coin{}, 0, wrap(err)
	}
	return decodeCoin(id, st, enc)
}

// decodeCoin maps a stored row to the ledger's coin and state.
func decodeCoin(id ledger.CoinID, st store.LedgerState, enc []byte) (ledger.Coin, ledger.CoinState, error) {
	switch st {
	case store.LedgerUnknown:
		return ledger.Coin{}, ledger.StateUnknown, nil
	case store.LedgerTombstone:
		return ledger.Coin{ID: id}, ledger.StateTombstone, nil
	case store.LedgerUnspent, store.LedgerSpent:
	default:
		return ledger.Coin{}, 0, ErrCorrupt
	}
	c, err := ledger.UnmarshalCoin(enc)
	if err != nil || c.ID != id {
		return ledger.Coin{}, 0, fmt.Errorf("%w: coin: %w", ErrCorrupt, err)
	}
	if st == store.LedgerSpent {
		return *c, ledger.StateSpent, nil
	}
	return *c, ledger.StateUnspent, nil
}

// Lock implements ledger.Storage.
func (s *Store) Lock(id ledger.CoinID) (ledger.Digest, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	d, ok, err := s.db.LedgerLock(ctx, id)
	return d, ok, wrap(err)
}

// Locked implements ledger.Storage.
func (s *Store) Locked(d ledger.Digest) (*ledger.SignedOrder, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	enc, err := s.db.LedgerOrder(ctx, d)
	if err != nil {
		return nil, wrap(err)
	}
	so, err := ledger.UnmarshalSignedOrder(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: order: %w", ErrCorrupt, err)
	}
	return so, nil
}

// LockAndRecord implements ledger.Storage: one durable transaction
// (store.DB.LedgerLockAndRecord) that checks every input and writes all
// the locks and the order, or nothing.
func (s *Store) LockAndRecord(d ledger.Digest, so *ledger.SignedOrder) error {
	enc, err := so.Marshal()
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	err = s.db.LedgerLockAndRecord(ctx, d, ids(so.Inputs), enc)
	var ce *store.LedgerConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return &ledger.ConflictError{Input: ce.Input, Holder: ce.Holder}
	case errors.Is(err, store.ErrLedgerUnknownCoin):
		return ledger.ErrUnknownCoin
	case errors.Is(err, store.ErrLedgerSpent):
		return ledger.ErrSpent
	}
	return wrap(err)
}

func ids(in []ledger.CoinID) [][32]byte {
	out := make([][32]byte, len(in))
	for i, id := range in {
		out[i] = id
	}
	return out
}

// Applied implements ledger.Storage.
func (s *Store) Applied(d ledger.Digest) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	ok, err := s.db.LedgerApplied(ctx, d)
	return ok, wrap(err)
}

// Apply implements ledger.Storage (store.DB.LedgerApply: one durable
// transaction, idempotent; the certificate joins the feed).
func (s *Store) Apply(d ledger.Digest, cert *ledger.Certificate) error {
	enc, err := cert.Marshal()
	if err != nil {
		return err
	}
	outs, err := encodeCoins(cert.Order.Coins(d))
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return wrap(s.db.LedgerApply(ctx, d, enc, ids(cert.Order.Inputs), outs, cert.Order.Fee))
}

// Feed implements ledger.Storage: at most max certificates and, past the
// first, at most feedBytes of them.
func (s *Store) Feed(after uint64, max int) ([]ledger.FeedEntry, uint64, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	rows, last, err := s.db.LedgerFeed(ctx, after, max, feedBytes)
	if err != nil {
		return nil, 0, wrap(err)
	}
	out := make([]ledger.FeedEntry, len(rows))
	for i, r := range rows {
		out[i] = ledger.FeedEntry{Seq: r.Seq, Cert: r.Cert}
	}
	return out, last, nil
}

// feedBytes bounds one Feed call's certificates (a page a wire response
// can carry is smaller still; the caller asks for fewer).
const feedBytes = 1 << 20

// Seed implements ledger.Storage.
func (s *Store) Seed(genesis []ledger.Coin) error {
	coins, err := encodeCoins(genesis)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return wrap(s.db.LedgerSeed(ctx, coins))
}

func encodeCoins(cs []ledger.Coin) ([]store.LedgerCoin, error) {
	out := make([]store.LedgerCoin, len(cs))
	for i := range cs {
		enc, err := cs[i].Marshal()
		if err != nil {
			return nil, err
		}
		out[i] = store.LedgerCoin{ID: cs[i].ID, Enc: enc}
	}
	return out, nil
}
