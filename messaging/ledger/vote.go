package ledger

import (
	"crypto/ed25519"
	"fmt"
)

// Vote is validator Validator's signature over VoteMessage(net, Digest).
//
// Encoding: 0x03 | digest(32) | validator(1) | signature(64).
type Vote struct {
	Digest    Digest
	Validator uint8
	Sig       [SigSize]byte
}

// SignVote returns validator index's vote for d, signed with key.
// crypto/ed25519 signing is deterministic: the same inputs always give
// the same vote.
func SignVote(net NetworkID, d Digest, index uint8, key ed25519.PrivateKey) *Vote {
	return &Vote{Digest: d, Validator: index, Sig: [SigSize]byte(ed25519.Sign(key, VoteMessage(net, d)))}
}

// Marshal returns v's encoding.
func (v *Vote) Marshal() []byte {
	b := make([]byte, 0, VoteSize)
	b = append(b, tagVote)
	b = append(b, v.Digest[:]...)
	b = append(b, v.Validator)
	return append(b, v.Sig[:]...)
}

// UnmarshalVote decodes a vote (it does not verify it).
func UnmarshalVote(b []byte) (*Vote, error) {
	if len(b) != VoteSize || b[0] != tagVote {
		return nil, fmt.Errorf("%w: vote", ErrMalformed)
	}
	r := &reader{b: b[1:]}
	v := &Vote{Digest: r.id(), Validator: r.byte1(), Sig: r.sig()}
	if !r.done() || int(v.Validator) >= MaxValidators {
		return nil, fmt.Errorf("%w: vote", ErrMalformed)
	}
	return v, nil
}

// Refusal is a validator's answer to an order one of whose inputs it has
// already locked for another order (First). First, with its owner
// signatures, is the evidence: the owner signed two conflicting orders.
// A refusal is not signed by the validator; the evidence verifies alone
// (VerifyEvidence).
//
// Encoding: 0x04 | validator(1) | refused digest(32) | input(32) |
// first signed order. Input must be one of First's inputs.
type Refusal struct {
	Validator uint8
	Refused   Digest // digest of the order refused
	Input     CoinID // the contested input
	First     SignedOrder
}

// Marshal returns r's encoding.
func (rf *Refusal) Marshal() ([]byte, error) {
	if err := rf.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+2*IDSize+1+rf.First.size()+len(rf.First.Sigs)*SigSize)
	b = append(b, tagRefusal, rf.Validator)
	b = append(b, rf.Refused[:]...)
	b = append(b, rf.Input[:]...)
	return rf.First.appendTo(b), nil
}

func (rf *Refusal) check() error {
	if err := rf.First.Check(); err != nil {
		return err
	}
	if rf.inputIndex() < 0 || int(rf.Validator) >= MaxValidators {
		return fmt.Errorf("%w: refusal", ErrInvalidOrder)
	}
	return nil
}

func (rf *Refusal) inputIndex() int {
	for i, in := range rf.First.Inputs {
		if in == rf.Input {
			return i
		}
	}
	return -1
}

// UnmarshalRefusal decodes a refusal (it does not verify the evidence).
func UnmarshalRefusal(b []byte) (*Refusal, error) {
	if len(b) > MaxRefusalSize {
		return nil, fmt.Errorf("%w: too long", ErrMalformed)
	}
	r := &reader{b: b}
	if r.byte1() != tagRefusal {
		return nil, fmt.Errorf("%w: refusal", ErrMalformed)
	}
	rf := &Refusal{Validator: r.byte1(), Refused: r.id(), Input: r.id()}
	rf.First = *r.signedOrder()
	if !r.done() {
		return nil, fmt.Errorf("%w: refusal", ErrMalformed)
	}
	if err := rf.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return rf, nil
}

// VerifyEvidence checks that rf proves a conflict on net: First is a
// different order from the refused one, and the owner of Input (key
// owner, which the wallet knows) signed First.
func (rf *Refusal) VerifyEvidence(net NetworkID, owner [KeySize]byte) error {
	i := rf.inputIndex()
	d := rf.First.Digest(net)
	if i < 0 || d == rf.Refused || rf.First.Check() != nil {
		return ErrBadEvidence
	}
	if !ed25519.Verify(owner[:], SpendMessage(net, d), rf.First.Sigs[i][:]) {
		return ErrBadEvidence
	}
	return nil
}
