package ledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
)

// Config configures a Validator. NewValidator does not modify it.
type Config struct {
	Network   NetworkID
	Committee *Committee
	// Index is this validator's position in Committee; Key must be the
	// private key of Committee.Key(Index).
	Index   int
	Key     ed25519.PrivateKey
	Params  Params
	Storage Storage
	// Genesis is seeded into Storage (idempotently) by NewValidator.
	Genesis []Coin
	// Logger receives Debug records of refused orders; nil discards.
	Logger *slog.Logger
}

// Validator votes on orders and applies certificates. It keeps no state
// of its own beyond Config: everything is in Storage, so a new Validator
// over the same Storage (after a crash) behaves as the old one would,
// and gives the same vote for the same order. Safe for concurrent use if
// its Storage is (LockAndRecord is the only point of mutual exclusion).
type Validator struct {
	net    NetworkID
	com    *Committee
	index  uint8
	key    ed25519.PrivateKey
	params Params
	st     Storage
	log    *slog.Logger
}

// NewValidator checks cfg and seeds the genesis coins.
func NewValidator(cfg Config) (*Validator, error) {
	if cfg.Committee == nil || cfg.Storage == nil || cfg.Index < 0 || cfg.Index >= cfg.Committee.N() {
		return nil, fmt.Errorf("%w: validator config", ErrBadCommittee)
	}
	if len(cfg.Key) != ed25519.PrivateKeySize || [KeySize]byte(cfg.Key.Public().(ed25519.PublicKey)) != cfg.Committee.Key(cfg.Index) {
		return nil, fmt.Errorf("%w: key is not the committee's", ErrBadCommittee)
	}
	if err := cfg.Storage.Seed(cfg.Genesis); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Validator{net: cfg.Network, com: cfg.Committee, index: uint8(cfg.Index),
		key: cfg.Key, params: cfg.Params, st: cfg.Storage, log: log}, nil
}

// HandleOrder decides on a signed order. Exactly one of its results is
// non-nil: a vote, a refusal (an input is locked to a different order;
// the refusal carries that order as evidence) or an error (invalid
// order, unknown or spent input, bad signature, storage failure). The
// checks, cheapest first: well formed, fee and dust minimums, every input
// known and unspent, each unlocked or locked to this same order, Σ inputs
// = Σ outputs + fee with checked arithmetic, owner signatures. Then the
// inputs are locked durably (all or none) and only then the vote is
// signed. The same order again gets the identical vote.
func (v *Validator) HandleOrder(so *SignedOrder) (*Vote, *Refusal, error) {
	if err := so.Check(); err != nil {
		return nil, nil, err
	}
	if err := so.CheckParams(v.params); err != nil {
		return nil, nil, err
	}
	d := so.Digest(v.net)
	in, rf, err := v.examine(so, d)
	if rf != nil || err != nil {
		return nil, rf, err
	}
	if err := v.checkValue(so, d, in); err != nil {
		return nil, nil, err
	}
	if in.lockedToUs < len(so.Inputs) {
		if err := v.st.LockAndRecord(d, so); err != nil {
			return v.lockFailed(d, err)
		}
	}
	return SignVote(v.net, d, v.index, v.key), nil, nil
}

// inputs is what examine learnt of an order's inputs.
type inputs struct {
	owners     [][KeySize]byte
	total      uint64
	overflow   bool
	lockedToUs int
}

// examine looks up every input: known, unspent or locked to d, not
// locked to another order (then it returns the refusal).
func (v *Validator) examine(so *SignedOrder, d Digest) (inputs, *Refusal, error) {
	in := inputs{owners: make([][KeySize]byte, len(so.Inputs))}
	for i, id := range so.Inputs {
		c, state, err := v.st.Coin(id)
		if err != nil {
			return in, nil, err
		}
		if state == StateUnknown {
			return in, nil, ErrUnknownCoin
		}
		holder, locked, err := v.st.Lock(id)
		switch {
		case err != nil:
			return in, nil, err
		case locked && holder != d:
			rf, err := v.refusal(d, id, holder)
			return in, rf, err
		case locked:
			in.lockedToUs++
		case state != StateUnspent:
			return in, nil, ErrSpent
		}
		in.owners[i] = c.Owner
		var ok bool
		if in.total, ok = add(in.total, c.Amount); !ok {
			in.overflow = true
		}
	}
	return in, nil, nil
}

// checkValue checks the balance and then the owner signatures.
func (v *Validator) checkValue(so *SignedOrder, d Digest, in inputs) error {
	out, ok := so.OutputTotal()
	if in.overflow || !ok || out != in.total {
		return ErrUnbalanced
	}
	return so.VerifyOwners(v.net, d, in.owners)
}

// refusal builds the refusal of order d because input is locked to holder.
func (v *Validator) refusal(d Digest, input CoinID, holder Digest) (*Refusal, error) {
	first, err := v.st.Locked(holder)
	if err != nil {
		return nil, err
	}
	v.log.LogAttrs(context.Background(), slog.LevelDebug, "ledger: order refused: input locked", slog.Any("order", d))
	return &Refusal{Validator: v.index, Refused: d, Input: input, First: *first}, nil
}

// lockFailed turns a LockAndRecord error into HandleOrder's results: a
// conflict (a concurrent order won the race) becomes a refusal.
func (v *Validator) lockFailed(d Digest, err error) (*Vote, *Refusal, error) {
	var ce *ConflictError
	if errors.As(err, &ce) {
		rf, err := v.refusal(d, ce.Input, ce.Holder)
		return nil, rf, err
	}
	return nil, nil, err
}

// HandleCertificate verifies cert against the committee and applies it
// (idempotently): inputs spent, outputs created, fee burned. It fails
// only if cert does not verify or storage fails. A certificate for an
// order already applied changes nothing and is not verified again (a
// lagging validator reads its peers' feeds, mostly certificates it has).
func (v *Validator) HandleCertificate(cert *Certificate) error {
	if err := cert.Check(); err != nil {
		return err
	}
	d := cert.Order.Digest(v.net)
	if done, err := v.st.Applied(d); err != nil || done {
		return err
	}
	if err := VerifyCertificate(v.com, v.net, cert); err != nil {
		return err
	}
	return v.st.Apply(d, cert)
}

// Feed returns up to max certificates this validator applied after feed
// position after, oldest first, and its feed's last position: what a
// wallet scans for payments and a lagging validator catches up from.
func (v *Validator) Feed(after uint64, max int) ([]FeedEntry, uint64, error) {
	return v.st.Feed(after, max)
}

// Index returns the validator's committee index.
func (v *Validator) Index() int { return int(v.index) }
