package ledger

// CoinState is what a validator knows of a coin.
type CoinState uint8

// Coin states.
const (
	// StateUnknown: never seen (not in the genesis, no certificate created it).
	StateUnknown CoinState = iota
	// StateUnspent: created and not spent by an applied certificate.
	StateUnspent
	// StateSpent: spent by an applied certificate; the coin is known.
	StateSpent
	// StateTombstone: spent by an applied certificate before the
	// certificate that created it was applied here (a lagging
	// validator); the coin's amount and owner are not known yet. Applying
	// the creating certificate later turns it into StateSpent.
	StateTombstone
)

// Storage is a validator's state. Implementations: ledgertest.Mem (in
// memory, for tests) and the SQLite one with the store. The Validator
// relies on the atomicity and durability written here for safety: a
// vote is only ever signed after LockAndRecord has returned nil, so a
// restart cannot make a validator vote for two orders spending one coin.
//
// Every method must be safe for concurrent use. Errors other than those
// named are I/O failures: the Validator returns them and signs nothing.
type Storage interface {
	// Coin returns the state of id and, for StateUnspent and StateSpent,
	// the coin.
	Coin(id CoinID) (Coin, CoinState, error)
	// Lock returns the digest of the order that locks id, if any. A lock
	// is never removed or changed.
	Lock(id CoinID) (holder Digest, locked bool, err error)
	// Locked returns the signed order recorded by LockAndRecord under d
	// (the evidence a Refusal carries).
	Locked(d Digest) (*SignedOrder, error)
	// LockAndRecord, in one transaction that is durable (synchronous
	// commit) before it returns nil, locks every input of so to d and
	// records so under d. All inputs or none: if any input is locked to
	// another digest it returns a *ConflictError naming it; if any input
	// not already locked to d is not StateUnspent it returns ErrSpent or
	// ErrUnknownCoin; in every error case it writes nothing. Inputs
	// already locked to d are no conflict (idempotent).
	LockAndRecord(d Digest, so *SignedOrder) error
	// Applied reports whether the certificate for d has been applied.
	Applied(d Digest) (bool, error)
	// Apply applies a verified certificate for d in one durable
	// transaction, idempotently (a second call for d changes nothing):
	// every input becomes spent (StateUnspent → StateSpent, StateUnknown →
	// StateTombstone, spent states stay), every output is created
	// (StateUnknown → StateUnspent, StateTombstone → StateSpent with the
	// coin now known), the fee is added to the burned total, d is marked
	// applied and cert joins the feed. It must not fail on any input but
	// I/O errors.
	Apply(d Digest, cert *Certificate) error
	// Feed returns, oldest first, up to max certificates (encoded) applied
	// after feed position after, and the feed's last position. Positions
	// start at 1 and only grow; a certificate has one position.
	Feed(after uint64, max int) (entries []FeedEntry, last uint64, err error)
	// Seed creates, as StateUnspent, the genesis coins that are still
	// StateUnknown, in one transaction (idempotent across restarts).
	Seed(genesis []Coin) error
}

// ConflictError reports an input locked to another order.
type ConflictError struct {
	Input  CoinID
	Holder Digest
}

func (e *ConflictError) Error() string { return ErrConflict.Error() }

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// FeedEntry is one applied certificate, encoded, at its feed position.
type FeedEntry struct {
	Seq  uint64
	Cert []byte
}
