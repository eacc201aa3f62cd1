package ledger

import (
	"crypto/ed25519"
	"fmt"
)

// Committee is the ordered list of validator vote keys of a network (from
// its genesis); a validator's index is its position. Immutable: safe for
// concurrent use.
type Committee struct {
	keys [][KeySize]byte
}

// NewCommittee returns the committee of keys: 1..MaxValidators distinct
// valid keys (ValidKey). keys is copied.
func NewCommittee(keys [][KeySize]byte) (*Committee, error) {
	if len(keys) < 1 || len(keys) > MaxValidators {
		return nil, fmt.Errorf("%w: size", ErrBadCommittee)
	}
	seen := make(map[[KeySize]byte]bool, len(keys))
	for _, k := range keys {
		if !ValidKey(k) || seen[k] {
			return nil, fmt.Errorf("%w: invalid or repeated key", ErrBadCommittee)
		}
		seen[k] = true
	}
	return &Committee{keys: append([][KeySize]byte(nil), keys...)}, nil
}

// N is the number of validators.
func (c *Committee) N() int { return len(c.keys) }

// F is the number of faulty validators tolerated: (n−1)/3.
func (c *Committee) F() int { return (len(c.keys) - 1) / 3 }

// Quorum is q = n − f, the votes a certificate needs. Any two quorums
// share at least f+1 validators, so at least one honest one.
func (c *Committee) Quorum() int { return len(c.keys) - c.F() }

// Key returns the vote key of validator i (0 ≤ i < N).
func (c *Committee) Key(i int) [KeySize]byte { return c.keys[i] }

// VoteMessage is what a validator signs to vote for the order with
// digest d: voteDomain || net || d.
func VoteMessage(net NetworkID, d Digest) []byte { return signedMessage(voteDomain, net, d) }

// VerifyVote checks that v is a valid vote by a member of c on net.
func (c *Committee) VerifyVote(net NetworkID, v *Vote) error {
	if int(v.Validator) >= c.N() {
		return fmt.Errorf("%w: unknown validator", ErrBadVote)
	}
	k := c.keys[v.Validator]
	if !ed25519.Verify(k[:], VoteMessage(net, v.Digest), v.Sig[:]) {
		return fmt.Errorf("%w: signature", ErrBadVote)
	}
	return nil
}
