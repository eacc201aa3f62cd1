package identity

// smallOrder lists the edwards25519 points of small order (1, 2, 4 and
// 8), as in libsodium's ed25519 blocklist: each entry is a little-endian y
// coordinate with the sign bit (bit 255) clear, and an encoding matches
// whatever its sign bit. The 7 entries give the 14 byte strings that Go's
// crypto/ed25519 decodes to a small-order point: the 8 points' canonical
// encodings, y = 0 and y = 1 with the other sign bit, and y = p and
// y = p+1 (non-canonical for 0 and 1) with either sign bit. The test
// derives that set from the curve equation and checks it equals this one.
var smallOrder = [7][32]byte{
	{0x00}, // y = 0: order 4
	{0x01}, // y = 1: the identity (order 1)
	{ // order 8
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
	},
	{ // order 8
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
	},
	fieldTop(0xec), // y = p-1: order 2
	fieldTop(0xed), // y = p, non-canonical 0
	fieldTop(0xee), // y = p+1, non-canonical 1
}

// fieldTop returns the little-endian encoding of 2^255 - 256 + low.
func fieldTop(low byte) [32]byte {
	b := [32]byte{low}
	for i := 1; i < 31; i++ {
		b[i] = 0xff
	}
	b[31] = 0x7f
	return b
}

// ValidNodeKey reports whether k may name a node: an ed25519 public key
// that is neither of small order (any of the 14 encodings of the 8
// small-order points, among them the all-zero key) nor a non-canonical
// encoding (y >= p). Under a small-order key, signatures with R a
// small-order point and S = 0 verify for many messages, so anyone could
// sign as that "node"; crypto/ed25519 accepts such keys, so every decoder
// of a node key must call this. It does not check that k is on the curve:
// a key that is not has no valid signatures at all. k is public; the
// check is not constant time.
func ValidNodeKey(k [32]byte) bool {
	y := k
	y[31] &= 0x7f
	for i := range smallOrder {
		if y == smallOrder[i] {
			return false
		}
	}
	return !nonCanonicalY(&y)
}

// nonCanonicalY reports whether y (sign bit clear) is at least p = 2^255-19.
func nonCanonicalY(y *[32]byte) bool {
	if y[31] != 0x7f || y[0] < 0xed {
		return false
	}
	for _, b := range y[1:31] {
		if b != 0xff {
			return false
		}
	}
	return true
}

// Valid reports whether id is a usable node key (see ValidNodeKey); the
// zero NodeID is not.
func (id NodeID) Valid() bool { return ValidNodeKey(id) }
