package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"testing"
)

// This file derives, from the curve equation alone (math/big, no table),
// every 32-byte string that Go's ed25519 decoder maps to a small-order
// point, and checks that each is refused as a node key and really does
// let anyone forge signatures.

var (
	edP    = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edL, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	edD    = func() *big.Int { // -121665 / 121666
		n := new(big.Int).Neg(big.NewInt(121665))
		return n.Mul(n, new(big.Int).ModInverse(big.NewInt(121666), edP)).Mod(n, edP)
	}()
	sqrtM1 = new(big.Int).Exp(big.NewInt(2), new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(1)), 2), edP)
)

type edPoint struct{ x, y *big.Int }

func mod(v *big.Int) *big.Int { return v.Mod(v, edP) }

func mulm(a ...*big.Int) *big.Int {
	r := big.NewInt(1)
	for _, v := range a {
		r = mod(r.Mul(r, v))
	}
	return r
}

// add is the complete twisted Edwards addition law (a = -1).
func (p edPoint) add(q edPoint) edPoint {
	t := mulm(edD, p.x, q.x, p.y, q.y)
	one := big.NewInt(1)
	xn := mod(new(big.Int).Add(mulm(p.x, q.y), mulm(p.y, q.x)))
	yn := mod(new(big.Int).Add(mulm(p.y, q.y), mulm(p.x, q.x)))
	xd := new(big.Int).ModInverse(mod(new(big.Int).Add(one, t)), edP)
	yd := new(big.Int).ModInverse(mod(new(big.Int).Sub(one, t)), edP)
	return edPoint{mulm(xn, xd), mulm(yn, yd)}
}

func (p edPoint) mul(k *big.Int) edPoint {
	r := edPoint{big.NewInt(0), big.NewInt(1)}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = r.add(r)
		if k.Bit(i) == 1 {
			r = r.add(p)
		}
	}
	return r
}

func (p edPoint) equal(q edPoint) bool { return p.x.Cmp(q.x) == 0 && p.y.Cmp(q.y) == 0 }

func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(r)
}

func leBytes(v *big.Int, sign uint) [32]byte {
	var out [32]byte
	be := v.FillBytes(make([]byte, 32))
	for i := range be {
		out[31-i] = be[i]
	}
	out[31] |= byte(sign << 7)
	return out
}

// decode follows crypto/ed25519's decoder (ZIP 215): y may be
// non-canonical (>= p), and x = 0 with the sign bit set is accepted.
func decode(b [32]byte) (edPoint, bool) {
	sign := uint(b[31] >> 7)
	b[31] &= 0x7f
	y := mod(leInt(b[:]))
	one := big.NewInt(1)
	y2 := mulm(y, y)
	u := mod(new(big.Int).Sub(y2, one))
	v := mod(new(big.Int).Add(mulm(edD, y2), one))
	x2 := mulm(u, new(big.Int).ModInverse(v, edP))
	x := new(big.Int).Exp(x2, new(big.Int).Rsh(new(big.Int).Add(edP, big.NewInt(3)), 3), edP)
	if mulm(x, x).Cmp(x2) != 0 {
		x = mulm(x, sqrtM1)
	}
	if mulm(x, x).Cmp(x2) != 0 {
		return edPoint{}, false
	}
	if x.Bit(0) != sign {
		x = mod(new(big.Int).Sub(edP, x))
	}
	return edPoint{x, y}, true
}

// torsion returns the 8 points of order dividing 8, as multiples of an
// order-8 point found as [l]P for points P hashed onto the curve.
func torsion(t *testing.T) []edPoint {
	id := edPoint{big.NewInt(0), big.NewInt(1)}
	for i := 0; i < 100; i++ {
		h := sha256.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		p, ok := decode(h)
		if !ok {
			continue
		}
		g := p.mul(edL)
		if g.mul(big.NewInt(4)).equal(id) {
			continue // order < 8
		}
		pts := []edPoint{id}
		for k := 1; k < 8; k++ {
			pts = append(pts, pts[k-1].add(g))
		}
		if !pts[7].add(g).equal(id) {
			t.Fatal("[8]T is not the identity")
		}
		return pts
	}
	t.Fatal("no order-8 point found")
	return nil
}

// smallOrderEncodings returns every encoding that decodes to a point of
// small order, and the canonical encoding of each such point.
func smallOrderEncodings(t *testing.T) (all map[[32]byte]bool, canonical [][32]byte) {
	all = map[[32]byte]bool{}
	two255 := new(big.Int).Lsh(big.NewInt(1), 255)
	for _, pt := range torsion(t) {
		canonical = append(canonical, leBytes(pt.y, pt.x.Bit(0)))
		for _, y := range []*big.Int{pt.y, new(big.Int).Add(pt.y, edP)} {
			for sign := uint(0); sign < 2 && y.Cmp(two255) < 0; sign++ {
				e := leBytes(y, sign)
				if q, ok := decode(e); ok && q.equal(pt) {
					all[e] = true
				}
			}
		}
	}
	return all, canonical
}

// forgeable reports whether, for some message and some small-order R,
// the signature R || 0 verifies under pub with crypto/ed25519.
func forgeable(pub [32]byte, rs [][32]byte) bool {
	for m := 0; m < 64; m++ {
		msg := fmt.Appendf(nil, "any message %d", m)
		for _, r := range rs {
			var sig [64]byte
			copy(sig[:], r[:])
			if ed25519.Verify(pub[:], msg, sig[:]) {
				return true
			}
		}
	}
	return false
}

func TestSmallOrderNodeKeysRefused(t *testing.T) {
	all, rs := smallOrderEncodings(t)
	if len(all) != 14 {
		t.Fatalf("derived %d small-order encodings, want 14", len(all))
	}
	for k := range all {
		if !forgeable(k, rs) {
			t.Errorf("%x: no forgery found; is it small order?", k)
		}
		if _, err := ParseNodeID(NodeID(k).Onion()); !errors.Is(err, ErrOnionKey) {
			t.Errorf("ParseNodeID(onion of small-order key %x) = %v", k, err)
		}
		if ValidNodeKey(k) || NodeID(k).Valid() {
			t.Errorf("ValidNodeKey(%x) = true", k)
		}
	}
	// The hard-coded list, with either sign bit, is exactly the derived set.
	listed := map[[32]byte]bool{}
	for _, y := range smallOrder {
		listed[y] = true
		y[31] |= 0x80
		listed[y] = true
	}
	if len(listed) != len(all) {
		t.Fatalf("list gives %d encodings, derived %d", len(listed), len(all))
	}
	for k := range all {
		if !listed[k] {
			t.Errorf("derived small-order encoding %x is not in the list", k)
		}
	}
}

// Every y >= p is refused whatever the point; real keys, and canonical
// encodings just below p, are accepted.
func TestValidNodeKeyCanonical(t *testing.T) {
	for low := 0xed; low <= 0xff; low++ {
		for _, top := range []byte{0x7f, 0xff} {
			k := fieldTop(byte(low))
			k[31] = top
			if ValidNodeKey(k) {
				t.Errorf("non-canonical key %x accepted", k)
			}
		}
	}
	below := fieldTop(0xeb) // p-2
	next := fieldTop(0xff)
	next[30] = 0xfe // 2^255 - 2^241 - 1 < p
	for _, k := range [][32]byte{below, next} {
		if !ValidNodeKey(k) {
			t.Errorf("canonical key %x refused", k)
		}
	}
	for i := 0; i < 1000; i++ {
		seed := sha256.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		if !ValidNodeKey([32]byte(pub)) {
			t.Fatalf("generated key %x refused", pub)
		}
	}
}

// FuzzParseNodeID: no panic; an error gives the zero ID; a parsed ID is a
// valid node key and its onion address parses back to it.
func FuzzParseNodeID(f *testing.F) {
	f.Add(rfc8032Test1Onion)
	f.Add(specExampleOnion)
	f.Add(NodeID{1}.Onion())
	f.Add(NodeID{}.Onion())
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNodeID(s)
		if err != nil {
			if !id.IsZero() {
				t.Fatal("error with a non-zero ID")
			}
			return
		}
		if !id.Valid() {
			t.Fatalf("parsed an invalid node key %x", id)
		}
		if back, err := ParseNodeID(id.Onion()); err != nil || back != id {
			t.Fatalf("round trip: %x, %v", back, err)
		}
	})
}
