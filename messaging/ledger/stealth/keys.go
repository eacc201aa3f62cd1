package stealth

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"io"

	"filippo.io/edwards25519"
)

// Domain-separation labels (spec constants).
const (
	viewKeyDomain  = "warren/stealth/view-key/v1"
	spendKeyDomain = "warren/stealth/spend-key/v1"
	sharedDomain   = "warren/stealth/shared/v1"
	viewTagDomain  = "warren/stealth/view-tag/v1"
	noncePrefixDom = "warren/stealth/nonce-prefix/v1"
)

// Sizes.
const (
	// SeedSize is the size of a wallet seed.
	SeedSize = 32
	// PointSize is the size of an encoded point (a public key, R).
	PointSize = 32
	// AddressSize is the size of an encoded Address.
	AddressSize = 2 * PointSize
)

// Errors callers branch on.
var (
	ErrBadAddress = errors.New("stealth: invalid address")
	ErrBadPoint   = errors.New("stealth: invalid point")
)

// hashToScalar returns SHA-512(domain ‖ parts…) reduced modulo the group
// order.
func hashToScalar(domain string, parts ...[]byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write([]byte(domain))
	for _, p := range parts {
		h.Write(p)
	}
	s, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		panic("stealth: SetUniformBytes: " + err.Error()) // 64 bytes: cannot happen
	}
	return s
}

// decodePoint decodes a canonical encoding of a point that is not of
// small order.
func decodePoint(b [PointSize]byte) (*edwards25519.Point, error) {
	p, err := new(edwards25519.Point).SetBytes(b[:])
	if err != nil || [PointSize]byte(p.Bytes()) != b {
		return nil, ErrBadPoint
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, ErrBadPoint
	}
	return p, nil
}

// sharedPoint is 8·s·p: the cofactor clears any small-order component an
// adversary adds to R, so sender and recipient agree whatever R is.
func sharedPoint(s *edwards25519.Scalar, p *edwards25519.Point) []byte {
	sp := new(edwards25519.Point).ScalarMult(s, p)
	return sp.MultByCofactor(sp).Bytes()
}

// derive returns the one-time scalar H_s(S ‖ i) and the view tag for
// shared point S and output index i.
func derive(shared []byte, index uint32) (*edwards25519.Scalar, byte) {
	i := binary.BigEndian.AppendUint32(nil, index)
	h := sha256.New()
	h.Write([]byte(viewTagDomain))
	h.Write(shared)
	h.Write(i)
	return hashToScalar(sharedDomain, shared, i), h.Sum(nil)[0]
}

func zero(s *edwards25519.Scalar) { s.Set(edwards25519.NewScalar()) }

// Ephemeral is a payer's per-payment secret r and its public R = r·G.
type Ephemeral struct {
	r *edwards25519.Scalar
	R [PointSize]byte
}

// NewEphemeral draws r from rand (64 bytes, reduced).
func NewEphemeral(rand io.Reader) (*Ephemeral, error) {
	var buf [64]byte
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return nil, err
	}
	r, _ := edwards25519.NewScalar().SetUniformBytes(buf[:])
	clear(buf[:])
	return &Ephemeral{r: r, R: [PointSize]byte(new(edwards25519.Point).ScalarBaseMult(r).Bytes())}, nil
}

// OneTime returns the one-time owner key and view tag of output index of
// a payment to addr.
func (e *Ephemeral) OneTime(addr Address, index uint32) (owner [PointSize]byte, tag byte, err error) {
	A, err := decodePoint(addr.View)
	if err != nil {
		return owner, 0, ErrBadAddress
	}
	B, err := decodePoint(addr.Spend)
	if err != nil {
		return owner, 0, ErrBadAddress
	}
	s, tag := derive(sharedPoint(e.r, A), index)
	P := new(edwards25519.Point).ScalarBaseMult(s)
	return [PointSize]byte(P.Add(P, B).Bytes()), tag, nil
}

// Close zeroes r.
func (e *Ephemeral) Close() { zero(e.r) }
