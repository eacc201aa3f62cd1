package ratchet

import (
	"encoding/binary"
	"io"
)

// Serialized session layout (all integers big endian):
//
//	version 1 | flags 1 (bit0 DHr, bit1 sending chain, bit2 receiving chain)
//	| DHs private 32 | DHr 32 (if bit0) | RK 32
//	| CKs 32, HKs 32 (if bit1) | CKr 32, HKr 32 (if bit2) | NHKs 32 | NHKr 32
//	| Ns 4 | Nr 4 | PN 4 | count 2 | count × (HK 32 | N 4 | MK 32)
//
// Absent fields are omitted, so every state has exactly one encoding.
const (
	flagDHr  = 1 << 0
	flagSend = 1 << 1
	flagRecv = 1 << 2
	flagMask = flagDHr | flagSend | flagRecv

	skippedEntrySize = keySize + 4 + keySize
)

// MarshalBinary encodes the whole session, secrets included, for the
// caller to seal at rest. The injected randomness source is not encoded.
func (s *Session) MarshalBinary() ([]byte, error) {
	if s.closed {
		return nil, ErrClosed
	}
	st := &s.st
	b := make([]byte, 0, 2+9*keySize+14+len(s.skipped)*skippedEntrySize)
	b = append(b, Version, flagsOf(st))
	b = append(b, st.dhsPriv[:]...)
	if st.hasDHr {
		b = append(b, st.dhr[:]...)
	}
	b = append(b, st.rk[:]...)
	if st.hasSend {
		b = append(append(b, st.cks[:]...), st.hks[:]...)
	}
	if st.hasRecv {
		b = append(append(b, st.ckr[:]...), st.hkr[:]...)
	}
	b = append(append(b, st.nhks[:]...), st.nhkr[:]...)
	b = binary.BigEndian.AppendUint32(b, st.ns)
	b = binary.BigEndian.AppendUint32(b, st.nr)
	b = binary.BigEndian.AppendUint32(b, st.pn)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.skipped)))
	for i := range s.skipped {
		e := &s.skipped[i]
		b = append(b, e.hk[:]...)
		b = binary.BigEndian.AppendUint32(b, e.n)
		b = append(b, e.mk[:]...)
	}
	return b, nil
}

func flagsOf(st *state) byte {
	var f byte
	if st.hasDHr {
		f |= flagDHr
	}
	if st.hasSend {
		f |= flagSend
	}
	if st.hasRecv {
		f |= flagRecv
	}
	return f
}

// reader consumes b front to back; any short read latches failure.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || len(r.b) < n {
		r.bad = true
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) key(dst *key) { copy(dst[:], r.take(keySize)) }
func (r *reader) u32() uint32  { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u16() uint16  { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) optKey(dst *key, present bool) {
	if present {
		r.key(dst)
	}
}

// UnmarshalSession decodes a session encoded by MarshalBinary. It rejects
// unknown versions and flags, more than MaxStoredSkipped skipped keys,
// short input and trailing bytes. rnd becomes the session's randomness
// source.
func UnmarshalSession(b []byte, rnd io.Reader) (*Session, error) {
	if len(b) < 2 {
		return nil, ErrMalformed
	}
	if b[0] != Version {
		return nil, ErrVersion
	}
	if b[1]&^flagMask != 0 {
		return nil, ErrMalformed
	}
	s := &Session{rand: rnd}
	r := &reader{b: b[2:]}
	decodeState(r, &s.st, b[1])
	count := int(r.u16())
	if r.bad || count > MaxStoredSkipped || len(r.b) != count*skippedEntrySize {
		s.Close()
		return nil, ErrMalformed
	}
	s.skipped = make([]skippedKey, count)
	for i := range s.skipped {
		e := &s.skipped[i]
		r.key(&e.hk)
		e.n = r.u32()
		r.key(&e.mk)
	}
	return s, nil
}

func decodeState(r *reader, st *state, flags byte) {
	st.hasDHr = flags&flagDHr != 0
	st.hasSend = flags&flagSend != 0
	st.hasRecv = flags&flagRecv != 0
	r.key(&st.dhsPriv)
	st.dhsPub = publicOf(&st.dhsPriv)
	r.optKey(&st.dhr, st.hasDHr)
	r.key(&st.rk)
	r.optKey(&st.cks, st.hasSend)
	r.optKey(&st.hks, st.hasSend)
	r.optKey(&st.ckr, st.hasRecv)
	r.optKey(&st.hkr, st.hasRecv)
	r.key(&st.nhks)
	r.key(&st.nhkr)
	st.ns = r.u32()
	st.nr = r.u32()
	st.pn = r.u32()
}
