package stealth

import (
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// SpendKey signs with a raw scalar x (a derived one-time key, which has
// no RFC 8032 seed) producing signatures that crypto/ed25519.Verify
// accepts under Public() = x·G. The nonce is deterministic, as in RFC
// 8032: r = H(prefix ‖ msg) with the secret prefix = SHA-512(domain ‖
// x)[:32], so signing the same message twice gives the same signature
// and no randomness can leak x.
type SpendKey struct {
	x      *edwards25519.Scalar
	prefix [32]byte
	pub    [PointSize]byte
}

// NewSpendKey returns the signer for x; it keeps x (do not modify it
// afterwards).
func NewSpendKey(x *edwards25519.Scalar) *SpendKey {
	k := &SpendKey{x: x, pub: [PointSize]byte(new(edwards25519.Point).ScalarBaseMult(x).Bytes())}
	h := sha512.New()
	h.Write([]byte(noncePrefixDom))
	h.Write(x.Bytes())
	copy(k.prefix[:], h.Sum(nil))
	return k
}

// Public returns the ed25519 public key x·G.
func (k *SpendKey) Public() [PointSize]byte { return k.pub }

// Sign returns the RFC 8032 signature R ‖ S of msg: r = H(prefix ‖ msg),
// R = r·G, S = r + H(R ‖ A ‖ msg)·x.
func (k *SpendKey) Sign(msg []byte) [64]byte {
	h := sha512.New()
	h.Write(k.prefix[:])
	h.Write(msg)
	var digest [64]byte
	r, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()

	h.Reset()
	h.Write(R)
	h.Write(k.pub[:])
	h.Write(msg)
	kh, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	S := edwards25519.NewScalar().MultiplyAdd(kh, k.x, r)
	zero(r)

	var sig [64]byte
	copy(sig[:32], R)
	copy(sig[32:], S.Bytes())
	return sig
}

// Close zeroes the secret scalar and prefix.
func (k *SpendKey) Close() { zero(k.x); clear(k.prefix[:]) }
