package stealth

import (
	"crypto/subtle"
	"fmt"

	"filippo.io/edwards25519"
)

// Address is a recipient's public address: View = A = a·G, Spend = B = b·G.
//
// Encoding: A(32) ‖ B(32), both canonical points not of small order.
type Address struct {
	View, Spend [PointSize]byte
}

// Marshal returns a's 64-byte encoding.
func (a Address) Marshal() []byte { return append(a.View[:], a.Spend[:]...) }

// ParseAddress decodes and checks an address.
func ParseAddress(b []byte) (Address, error) {
	if len(b) != AddressSize {
		return Address{}, fmt.Errorf("%w: size", ErrBadAddress)
	}
	a := Address{View: [PointSize]byte(b[:PointSize]), Spend: [PointSize]byte(b[PointSize:])}
	if _, err := decodePoint(a.View); err != nil {
		return Address{}, ErrBadAddress
	}
	if _, err := decodePoint(a.Spend); err != nil {
		return Address{}, ErrBadAddress
	}
	return a, nil
}

// ViewKey finds a wallet's outputs: the view secret a and the spend
// public key B. It cannot spend.
type ViewKey struct {
	a     *edwards25519.Scalar
	spend *edwards25519.Point // B
}

// Keys are a wallet's secrets: the view key and the spend secret b.
type Keys struct {
	ViewKey
	b    *edwards25519.Scalar
	addr Address
}

// FromSeed derives a wallet's keys from its seed: a = H_s(viewKeyDomain ‖
// seed), b = H_s(spendKeyDomain ‖ seed).
func FromSeed(seed *[SeedSize]byte) *Keys {
	a := hashToScalar(viewKeyDomain, seed[:])
	b := hashToScalar(spendKeyDomain, seed[:])
	A := new(edwards25519.Point).ScalarBaseMult(a)
	B := new(edwards25519.Point).ScalarBaseMult(b)
	return &Keys{ViewKey: ViewKey{a: a, spend: B}, b: b,
		addr: Address{View: [PointSize]byte(A.Bytes()), Spend: [PointSize]byte(B.Bytes())}}
}

// View returns the wallet's view key (for a watch-only scanner); it
// shares the secret with k, so k.Close zeroes it too.
func (k *Keys) View() *ViewKey { return &k.ViewKey }

// Address returns the wallet's public address.
func (k *Keys) Address() Address { return k.addr }

// Close zeroes the secrets.
func (k *Keys) Close() { zero(k.a); zero(k.b) }

// scan returns the one-time scalar of output (R, index, owner, tag) if it
// belongs to this view key.
func (v *ViewKey) scan(R [PointSize]byte, index uint32, owner [PointSize]byte, tag byte) (*edwards25519.Scalar, bool) {
	Rp, err := decodePoint(R)
	if err != nil {
		return nil, false
	}
	s, want := derive(sharedPoint(v.a, Rp), index)
	if subtle.ConstantTimeByteEq(want, tag) != 1 {
		return nil, false
	}
	P := new(edwards25519.Point).ScalarBaseMult(s)
	if subtle.ConstantTimeCompare(P.Add(P, v.spend).Bytes(), owner[:]) != 1 {
		return nil, false
	}
	return s, true
}

// Owns reports whether output index with ephemeral R, one-time owner key
// and view tag was paid to this wallet. A wrong tag (255 of 256 foreign
// outputs) costs one scalar multiplication; a match costs two.
func (v *ViewKey) Owns(R [PointSize]byte, index uint32, owner [PointSize]byte, tag byte) bool {
	_, ok := v.scan(R, index, owner, tag)
	return ok
}

// SpendKey returns the key that spends the output, or false if the
// output is not this wallet's.
func (k *Keys) SpendKey(R [PointSize]byte, index uint32, owner [PointSize]byte, tag byte) (*SpendKey, bool) {
	s, ok := k.scan(R, index, owner, tag)
	if !ok {
		return nil, false
	}
	x := edwards25519.NewScalar().Add(s, k.b)
	zero(s)
	return NewSpendKey(x), true
}
