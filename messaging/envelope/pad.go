package envelope

import (
	"encoding/binary"

	"github.com/warrennet/warren/messaging/ratchet"
)

// Pad frames p as the plaintext of one ratchet message so that the
// message (p's padded form plus ratchet.MinMessageSize) is exactly one of
// Sizes: u16 length | p | zeros, using the smallest size that fits.
func Pad(p []byte) ([]byte, error) { return PadFor(p, ratchet.MinMessageSize) }

// Unpad reverses Pad. It accepts only the totals Pad produces, a length
// that fits and all-zero padding. The result aliases b.
func Unpad(b []byte) ([]byte, error) { return UnpadFor(b, ratchet.MinMessageSize) }

// PadFor is Pad for a sealer that adds overhead bytes (for example a
// nonce and a tag) around the padded plaintext.
func PadFor(p []byte, overhead int) ([]byte, error) {
	total, ok := paddedSize(lenPrefix+len(p), overhead)
	if !ok {
		return nil, ErrTooLarge
	}
	out := make([]byte, total)
	binary.BigEndian.PutUint16(out, uint16(len(p)))
	copy(out[lenPrefix:], p)
	return out, nil
}

// UnpadFor reverses PadFor with the same overhead. The result aliases b.
func UnpadFor(b []byte, overhead int) ([]byte, error) {
	if overhead < 0 || len(b) < lenPrefix || !ValidSize(len(b)+overhead) {
		return nil, ErrSize
	}
	n := int(binary.BigEndian.Uint16(b))
	if n > len(b)-lenPrefix {
		return nil, ErrPadding
	}
	for _, c := range b[lenPrefix+n:] {
		if c != 0 {
			return nil, ErrPadding
		}
	}
	return b[lenPrefix : lenPrefix+n : lenPrefix+n], nil
}

// paddedSize is the smallest Sizes[i]-overhead that holds n bytes.
func paddedSize(n, overhead int) (int, bool) {
	if overhead < 0 {
		return 0, false
	}
	for _, s := range Sizes {
		if t := s - overhead; t >= lenPrefix && n <= t && n-lenPrefix <= 0xffff {
			return t, true
		}
	}
	return 0, false
}
