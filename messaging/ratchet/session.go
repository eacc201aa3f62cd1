package ratchet

import (
	"encoding/binary"
	"io"
	"math"

	"golang.org/x/crypto/chacha20poly1305"
)

// state is the fixed-size part of the Double Ratchet state (spec §4.2).
// It is copied by value so that Decrypt can work on a copy and commit only
// on success.
type state struct {
	dhsPriv, dhsPub key
	dhr             key
	rk              key
	cks, hks        key // sending chain key and header key
	ckr, hkr        key // receiving chain key and header key
	nhks, nhkr      key
	ns, nr, pn      uint32
	hasDHr          bool
	hasSend         bool // cks and hks are set
	hasRecv         bool // ckr and hkr are set
}

// skippedKey is one entry of MKSKIPPED, keyed by (header key, n).
type skippedKey struct {
	hk key
	n  uint32
	mk key
}

// Session is one side of a Double Ratchet conversation with header
// encryption. It does no I/O. It is not safe for concurrent use: callers
// serialise Encrypt, Decrypt, MarshalBinary and Close. The zero value is not
// usable; obtain sessions from Initiate, Respond or UnmarshalSession.
type Session struct {
	st      state
	skipped []skippedKey // insertion order, oldest first
	rand    io.Reader
	closed  bool
}

// newInitiator is RatchetInitAliceHE: the acceptor sends first.
func newInitiator(sk, bobPub *key, r io.Reader) (*Session, error) {
	rk, hka, nhkb := rootKeys(sk)
	defer wipe(rk[:])
	s := &Session{rand: r}
	st := &s.st
	var err error
	if st.dhsPriv, st.dhsPub, err = newDHKey(r); err != nil {
		return nil, err
	}
	out, err := dh(&st.dhsPriv, bobPub)
	if err != nil {
		return nil, ErrMalformed
	}
	st.rk, st.cks, st.nhks = kdfRK(&rk, out)
	wipe(out)
	st.dhr, st.hasDHr = *bobPub, true
	st.hks, st.hasSend = hka, true
	st.nhkr = nhkb
	return s, nil
}

// newResponder is RatchetInitBobHE: the inviter's first ratchet key is its
// invitation X25519 key.
func newResponder(sk, bobPriv *key, r io.Reader) *Session {
	rk, hka, nhkb := rootKeys(sk)
	s := &Session{rand: r}
	s.st.dhsPriv, s.st.dhsPub = *bobPriv, publicOf(bobPriv)
	s.st.rk = rk
	s.st.nhks = nhkb
	s.st.nhkr = hka
	return s
}

// Encrypt seals plaintext as the next message of the sending chain; ad is
// authenticated but not sent. On error the session is unchanged.
func (s *Session) Encrypt(plaintext, ad []byte) ([]byte, error) {
	switch {
	case s.closed:
		return nil, ErrClosed
	case !s.st.hasSend:
		return nil, ErrCannotSend
	case len(plaintext) > MaxPlaintext:
		return nil, ErrTooLarge
	case s.st.ns == math.MaxUint32:
		return nil, ErrExhausted
	}
	out := make([]byte, prefixSize, prefixSize+len(plaintext)+tagSize)
	out[0] = Version
	if _, err := io.ReadFull(s.rand, out[1:1+hdrNonceSize]); err != nil {
		return nil, ErrRandom
	}
	newCK, mk := kdfCK(&s.st.cks)
	defer wipe(mk[:])
	hdr := encodeHeader(&s.st.dhsPub, s.st.pn, s.st.ns)
	sealHeaderInto(&s.st.hks, out, hdr[:])
	out = sealBody(&mk, out, plaintext, ad)
	s.st.cks = newCK
	s.st.ns++
	return out, nil
}

// Clone returns an independent copy of the session (a caller that must be
// able to drop a change, for example when storing the new state fails,
// works on a clone). A clone of a closed session is closed.
func (s *Session) Clone() *Session {
	c := &Session{st: s.st, rand: s.rand, closed: s.closed}
	if len(s.skipped) > 0 {
		c.skipped = append([]skippedKey(nil), s.skipped...)
	}
	return c
}

// Close zeroes the session's keys and makes it unusable. Idempotent.
func (s *Session) Close() {
	s.st = state{}
	for i := range s.skipped {
		s.skipped[i] = skippedKey{}
	}
	s.skipped = nil
	s.closed = true
}

func encodeHeader(dhPub *key, pn, n uint32) [headerSize]byte {
	var h [headerSize]byte
	copy(h[:], dhPub[:])
	binary.BigEndian.PutUint32(h[keySize:], pn)
	binary.BigEndian.PutUint32(h[keySize+4:], n)
	return h
}

// sealHeaderInto encrypts hdr under hk with the nonce already in
// out[1:25]; the version byte out[0] is the associated data.
func sealHeaderInto(hk *key, out, hdr []byte) {
	a, err := chacha20poly1305.NewX(hk[:])
	if err != nil {
		panic("ratchet: xchacha: " + err.Error())
	}
	a.Seal(out[1+hdrNonceSize:1+hdrNonceSize], out[1:1+hdrNonceSize], hdr, out[:1])
}

// openHeader decrypts the header in msg[:prefixSize] under hk.
func openHeader(hk *key, msg []byte) (dhPub key, pn, n uint32, ok bool) {
	a, err := chacha20poly1305.NewX(hk[:])
	if err != nil {
		panic("ratchet: xchacha: " + err.Error())
	}
	var buf [headerSize]byte
	h, err := a.Open(buf[:0], msg[1:1+hdrNonceSize], msg[1+hdrNonceSize:prefixSize], msg[:1])
	if err != nil {
		return dhPub, 0, 0, false
	}
	copy(dhPub[:], h[:keySize])
	pn = binary.BigEndian.Uint32(h[keySize:])
	n = binary.BigEndian.Uint32(h[keySize+4:])
	return dhPub, pn, n, true
}

// bodyAD is the caller's ad followed by version | encrypted header.
func bodyAD(ad, prefix []byte) []byte {
	return append(append(make([]byte, 0, len(ad)+len(prefix)), ad...), prefix...)
}

func sealBody(mk *key, prefix, plaintext, ad []byte) []byte {
	k, nonce := messageKeys(mk)
	defer wipe(k)
	a, err := chacha20poly1305.New(k)
	if err != nil {
		panic("ratchet: chacha: " + err.Error())
	}
	return a.Seal(prefix, nonce, plaintext, bodyAD(ad, prefix[:prefixSize]))
}

func openBody(mk *key, msg, ad []byte) ([]byte, bool) {
	k, nonce := messageKeys(mk)
	defer wipe(k)
	a, err := chacha20poly1305.New(k)
	if err != nil {
		panic("ratchet: chacha: " + err.Error())
	}
	pt, err := a.Open(nil, nonce, msg[prefixSize:], bodyAD(ad, msg[:prefixSize]))
	return pt, err == nil
}
