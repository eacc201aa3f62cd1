package ledger

import (
	"crypto/ed25519"
	"errors"
)

// Spec constants (wire format version 1).
const (
	// MaxInputs is the most coins one order may spend.
	MaxInputs = 16
	// MaxOutputs is the most coins one order may create.
	MaxOutputs = 16
	// MaxValidators is the largest committee (as genesis.MaxValidators).
	MaxValidators = 64
	// KeySize is the size of an ed25519 public key or of a stealth point.
	KeySize = ed25519.PublicKeySize
	// SigSize is the size of an ed25519 signature.
	SigSize = ed25519.SignatureSize
	// IDSize is the size of a coin ID, an order digest and a network ID.
	IDSize = 32
)

// Domain-separation labels. Every digest and signed message starts with
// one of them; all but coinIDDomain are followed by the network ID.
const (
	orderDomain   = "warren/ledger/order/v1"
	outputDomain  = "warren/ledger/output-id/v1"
	genesisDomain = "warren/ledger/genesis-id/v1"
	spendDomain   = "warren/ledger/spend/v1"
	voteDomain    = "warren/ledger/vote/v1"
)

// Type bytes: the first byte of every top-level encoding, so that no
// encoding of one type decodes as another.
const (
	tagCoin        = 0xC1
	tagOrder       = 0x01
	tagSignedOrder = 0x02
	tagVote        = 0x03
	tagRefusal     = 0x04
	tagCertificate = 0x05
)

// Encoded sizes.
const (
	outputSize = KeySize + 8 + 1 + KeySize // owner, amount, view tag, R
	// CoinSize is the size of an encoded Coin.
	CoinSize = 1 + IDSize + outputSize
	// VoteSize is the size of an encoded Vote.
	VoteSize = 1 + IDSize + 1 + SigSize
	// MaxOrderSize is the largest encoded Order.
	MaxOrderSize = 1 + 1 + MaxInputs*IDSize + 1 + MaxOutputs*outputSize + 8
	// MaxSignedOrderSize is the largest encoded SignedOrder.
	MaxSignedOrderSize = 1 + MaxOrderSize + MaxInputs*SigSize
	// MaxRefusalSize is the largest encoded Refusal.
	MaxRefusalSize = 1 + 1 + IDSize + IDSize + MaxSignedOrderSize
	// MaxCertificateSize is the largest encoded Certificate.
	MaxCertificateSize = 1 + MaxOrderSize + 1 + MaxValidators*(1+SigSize)
)

// Params are the economic rules a validator enforces when it votes. They
// are not part of any encoding: every validator of a network must use the
// same values (they come with the genesis).
type Params struct {
	// MinFee is the smallest fee an order may pay (0 allows free orders).
	MinFee uint64
	// Dust is the smallest output amount; outputs are never below 1
	// whatever Dust says.
	Dust uint64
}

// Errors callers branch on. Error strings never hold IDs, keys or amounts.
var (
	ErrMalformed    = errors.New("ledger: malformed encoding")
	ErrInvalidOrder = errors.New("ledger: invalid order")
	ErrUnbalanced   = errors.New("ledger: inputs do not equal outputs plus fee")
	ErrFeeTooLow    = errors.New("ledger: fee below the minimum")
	ErrDust         = errors.New("ledger: output below the dust minimum")
	ErrBadSignature = errors.New("ledger: bad owner signature")
	ErrUnknownCoin  = errors.New("ledger: unknown input coin")
	ErrSpent        = errors.New("ledger: input already spent")
	ErrConflict     = errors.New("ledger: input locked by another order")
	ErrBadCommittee = errors.New("ledger: invalid committee")
	ErrBadCert      = errors.New("ledger: invalid certificate")
	ErrBadVote      = errors.New("ledger: invalid vote")
	ErrBadEvidence  = errors.New("ledger: refusal evidence does not verify")
)
