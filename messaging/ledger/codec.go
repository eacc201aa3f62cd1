package ledger

import (
	"encoding/binary"

	"filippo.io/edwards25519"
)

// reader consumes a byte slice front to back. Every method fails (and
// keeps failing) once the input is short: check err once at the end or
// before anything depends on a value read.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || len(r.b) < n {
		r.bad = true
		return make([]byte, n) // zeros; the caller sees r.bad
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte { return r.take(1)[0] }

func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

func (r *reader) id() (v [IDSize]byte) { copy(v[:], r.take(IDSize)); return v }

func (r *reader) sig() (v [SigSize]byte) { copy(v[:], r.take(SigSize)); return v }

// done reports whether everything was read with nothing left over.
func (r *reader) done() bool { return !r.bad && len(r.b) == 0 }

// ValidKey reports whether k is the canonical encoding of a point of the
// curve that is not of small order: the only owner and vote keys the
// ledger accepts. (crypto/ed25519 accepts small-order keys, under which a
// signature can verify for any message; a coin owned by such a key could
// be spent by anyone.)
func ValidKey(k [KeySize]byte) bool {
	if !canonicalY(k) {
		return false
	}
	p, err := new(edwards25519.Point).SetBytes(k[:])
	if err != nil {
		return false
	}
	// The only valid encodings SetBytes accepts besides canonical y are
	// x = 0 with the sign bit set: the points (0, ±1), of small order.
	return new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1
}

// canonicalY reports whether the little-endian y of k (sign bit cleared)
// is below p = 2^255 − 19.
func canonicalY(k [KeySize]byte) bool {
	if k[31]&0x7F != 0x7F {
		return true
	}
	for _, b := range k[1:31] {
		if b != 0xFF {
			return true
		}
	}
	return k[0] < 0xED
}
