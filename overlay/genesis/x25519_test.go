package genesis

import (
	"crypto/ecdh"
	"crypto/rand"
	"math/big"
	"slices"
	"testing"
)

var p25519 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

func leToInt(b [32]byte) *big.Int {
	slices.Reverse(b[:])
	return new(big.Int).SetBytes(b[:])
}

func intToLE(x *big.Int) [32]byte {
	var b [32]byte
	x.FillBytes(b[:])
	slices.Reverse(b[:])
	return b
}

// lowOrder asks crypto/ecdh: X25519 refuses a peer key whose shared
// secret is all zero, which for a clamped scalar means small order.
func lowOrder(t *testing.T, k [32]byte) bool {
	t.Helper()
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(k[:])
	if err != nil {
		t.Fatal(err)
	}
	_, err = priv.ECDH(pub)
	return err != nil
}

// TestX25519SmallOrderTable derives the table: u = 0 and u = p-1 (the
// 2-torsion and 4-torsion of the twist), u = 1 (edwards y = 0), and the two
// order-8 u = (1+y)/(1-y) from the edwards25519 order-8 points (y values
// from identity's small-order list).
func TestX25519SmallOrderTable(t *testing.T) {
	edY8 := [][32]byte{
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
			0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
			0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	}
	want := [][32]byte{intToLE(big.NewInt(0)), intToLE(big.NewInt(1))}
	for _, yb := range edY8 {
		y := leToInt(yb)
		num := new(big.Int).Add(big.NewInt(1), y)
		den := new(big.Int).Sub(big.NewInt(1), y)
		den.Mod(den, p25519).ModInverse(den, p25519)
		want = append(want, intToLE(num.Mul(num, den).Mod(num, p25519)))
	}
	want = append(want, intToLE(new(big.Int).Sub(p25519, big.NewInt(1))))
	have := slices.Clone(x25519SmallOrder[:])
	cmp := func(a, b [32]byte) int { return leToInt(a).Cmp(leToInt(b)) }
	slices.SortFunc(want, cmp)
	slices.SortFunc(have, cmp)
	if !slices.Equal(want, have) {
		t.Fatalf("derived table %x\n differs from x25519SmallOrder %x", want, x25519SmallOrder)
	}
	for _, k := range x25519SmallOrder {
		if !lowOrder(t, k) {
			t.Errorf("crypto/ecdh accepts table entry %x", k)
		}
		if validLinkKey(k) {
			t.Errorf("validLinkKey accepts table entry %x", k)
		}
	}
}

// TestValidLinkKeyAgreesWithECDH compares validLinkKey with crypto/ecdh
// near both ends of the field and on random keys; and checks every
// non-canonical encoding is refused.
func TestValidLinkKeyAgreesWithECDH(t *testing.T) {
	var keys [][32]byte
	for i := range int64(600) {
		keys = append(keys, intToLE(big.NewInt(i)), intToLE(new(big.Int).Sub(p25519, big.NewInt(i+1))))
	}
	for range 200 {
		priv, _ := ecdh.X25519().GenerateKey(rand.Reader)
		keys = append(keys, [32]byte(priv.PublicKey().Bytes()))
	}
	keys = append(keys, x25519SmallOrder[2:4]...)
	for _, k := range keys {
		if validLinkKey(k) == lowOrder(t, k) {
			t.Fatalf("validLinkKey(%x) = %v, crypto/ecdh low order = %v", k, validLinkKey(k), lowOrder(t, k))
		}
	}
	for i := range int64(19) { // p .. 2^255-1
		k := intToLE(new(big.Int).Add(p25519, big.NewInt(i)))
		if validLinkKey(k) {
			t.Fatalf("validLinkKey accepts u = p + %d", i)
		}
	}
	k := linkKey("a")
	k[31] |= 0x80
	if validLinkKey(k) {
		t.Fatal("validLinkKey accepts bit 255 set")
	}
}
