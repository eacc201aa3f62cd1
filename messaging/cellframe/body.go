package cellframe

import "encoding/binary"

// Body walks one frame's body for a protocol's decoder. Every take is
// bounds-checked; once one fails, Err stays set and later takes return
// nil or zero, so a decoder reads every field and checks Err (or Finish)
// once. The fields are exported for the protocols' own field readers.
type Body struct {
	B   []byte // the whole frame
	Off int    // the next byte to read
	Err bool   // a take failed or the decoder called Fail
}

// Open checks a whole frame's header against its length and max (with the
// protocol's errors) and returns a Body positioned after the type byte,
// and the type.
func Open(frame []byte, max int, malformed, tooLarge error) (Body, byte, error) {
	total, err := Len(frame, max, malformed, tooLarge)
	if err != nil {
		return Body{}, 0, err
	}
	if total != len(frame) {
		return Body{}, 0, malformed
	}
	return Body{B: frame, Off: HeaderLen + 1}, frame[HeaderLen], nil
}

// Take returns the next n bytes (capacity-limited to them), or nil.
func (r *Body) Take(n int) []byte {
	if r.Err || n < 0 || len(r.B)-r.Off < n {
		r.Err = true
		return nil
	}
	s := r.B[r.Off : r.Off+n : r.Off+n]
	r.Off += n
	return s
}

// U8 reads one byte.
func (r *Body) U8() byte {
	if s := r.Take(1); s != nil {
		return s[0]
	}
	return 0
}

// U16 reads a big-endian uint16.
func (r *Body) U16() int {
	if s := r.Take(2); s != nil {
		return int(binary.BigEndian.Uint16(s))
	}
	return 0
}

// U64 reads a big-endian uint64.
func (r *Body) U64() uint64 {
	if s := r.Take(8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

// Blob reads a u16 length and that many bytes, at most max.
func (r *Body) Blob(max int) []byte {
	n := r.U16()
	if r.Err || n > max {
		r.Err = true
		return nil
	}
	return r.Take(n)
}

// Fail marks the body malformed if err is not nil.
func (r *Body) Fail(err error) {
	if err != nil {
		r.Err = true
	}
}

// Finish reports whether the body was well formed and what follows it is
// exactly the canonical zero padding: padded(Off) bytes in all.
func (r *Body) Finish(padded func(int) int) bool {
	if r.Err || padded(r.Off) != len(r.B) {
		return false
	}
	for _, c := range r.B[r.Off:] {
		if c != 0 {
			return false
		}
	}
	return true
}
