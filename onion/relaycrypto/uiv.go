package relaycrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
)

// Spec constants.
const (
	// BodyLen is the length of a relay cell body: the tag and the message.
	BodyLen = 507
	// TagLen is the length of the tag at the start of a body; it is also
	// the SENDME tag that authenticates flow-control acknowledgements.
	TagLen = 16
	// KeyLen is the key material of one direction of one hop: four AES-128
	// keys (tweakable block cipher, tweak hash, PRF input, PRF stream) and
	// the first nonce.
	KeyLen = 4*aesKeyLen + TagLen
	// HopKeyLen is the key material a handshake must yield for one hop:
	// forward direction, then backward.
	HopKeyLen = 2 * KeyLen

	// UpdateEvery is how many cells a layer accepts or originates between
	// two key updates (see update).
	UpdateEvery = 64

	aesKeyLen = 16
	xrLen     = BodyLen - TagLen // the part of a body the PRF covers
	tweakLen  = TagLen + 1 + xrLen
	// The PRF's two domains: the low bit of its counter-mode nonce.
	domainBody   = 0
	domainUpdate = 1
)

// Tag is a body's first 16 bytes. As returned by the operations below it
// is the SENDME tag of a cell: both ends of a hop compute the same value.
type Tag [TagLen]byte

// ErrKeyLen is returned for key material of the wrong length.
var ErrKeyLen = errors.New("relaycrypto: wrong key material length")

var zeroNonce [12]byte

// layer is one direction of one hop: the UIV+ keys, the nonce that marks
// a cell as this hop's, and the chained tag of the previous cell.
type layer struct {
	tbc    cipher.Block // E_Kb: the tweakable block cipher's AES (AES-128 throughout, as Tor's CGO)
	hash   cipher.AEAD  // AES-GCM under Kh, used only for its tag: GHASH_H(tweak) ⊕ E_Kh(J0)
	ivKey  cipher.Block // E_Kp: maps a PRF input to a counter-mode nonce
	stream cipher.AEAD  // AES-GCM under Ks, used only for its counter-mode keystream
	nonce  Tag
	tprime Tag
	cells  int // accepted or originated since the last key update

	tweak [tweakLen]byte
	mask  [TagLen]byte
	ks    [xrLen + TagLen]byte // the stream's output (Seal appends a tag)
	iv    [aes.BlockSize]byte  // the stream's nonce (a field: it would escape)
	key   [KeyLen]byte         // scratch for updates
}

// setKeys (re)keys l from k, which holds KeyLen bytes.
func (l *layer) setKeys(k []byte) error {
	if len(k) != KeyLen {
		return ErrKeyLen
	}
	var err error
	if l.tbc, err = aes.NewCipher(k[0:aesKeyLen]); err != nil {
		return err
	}
	hk, err := aes.NewCipher(k[aesKeyLen : 2*aesKeyLen])
	if err != nil {
		return err
	}
	if l.hash, err = cipher.NewGCM(hk); err != nil {
		return err
	}
	if l.ivKey, err = aes.NewCipher(k[2*aesKeyLen : 3*aesKeyLen]); err != nil {
		return err
	}
	sk, err := aes.NewCipher(k[3*aesKeyLen : 4*aesKeyLen])
	if err != nil {
		return err
	}
	if l.stream, err = cipher.NewGCM(sk); err != nil {
		return err
	}
	copy(l.nonce[:], k[4*aesKeyLen:KeyLen])
	return nil
}

// tweakMask computes the LRW2 mask of the tweak (tprime, cmd, xr).
func (l *layer) tweakMask(cmd byte, xr []byte) *[TagLen]byte {
	copy(l.tweak[:TagLen], l.tprime[:])
	l.tweak[TagLen] = cmd
	copy(l.tweak[TagLen+1:], xr)
	l.hash.Seal(l.mask[:0], zeroNonce[:], nil, l.tweak[:])
	return &l.mask
}

// prf XORs the PRF's output on input x in domain d into dst (at most
// xrLen bytes): AES-CTR under Ks from the nonce E_Kp(x)[:12] with its low
// bit set to d, computed through AES-GCM's Seal (which is that keystream
// XORed with its plaintext, then a tag we drop) because crypto/cipher's
// NewCTR allocates on every call.
func (l *layer) prf(x *Tag, d byte, dst []byte) {
	l.ivKey.Encrypt(l.iv[:], x[:])
	l.iv[11] = l.iv[11]&^1 | d
	out := l.stream.Seal(l.ks[:0], l.iv[:12], dst, nil)
	copy(dst, out[:len(dst)])
}

// encrypt is UIV+ encryption of body under the tweak (tprime, cmd): the
// tag through the tweakable block cipher with the rest of the body in its
// tweak, then the rest through a keystream seeded by the new tag. Any
// change to its input randomises all of its output.
func (l *layer) encrypt(cmd byte, body *[BodyLen]byte) {
	xl, xr := (*Tag)(body[:TagLen]), body[TagLen:]
	m := l.tweakMask(cmd, xr)
	subtle.XORBytes(xl[:], xl[:], m[:])
	l.tbc.Encrypt(xl[:], xl[:])
	subtle.XORBytes(xl[:], xl[:], m[:])
	l.prf(xl, domainBody, xr)
}

// decrypt inverts encrypt.
func (l *layer) decrypt(cmd byte, body *[BodyLen]byte) {
	xl, xr := (*Tag)(body[:TagLen]), body[TagLen:]
	l.prf(xl, domainBody, xr)
	m := l.tweakMask(cmd, xr)
	subtle.XORBytes(xl[:], xl[:], m[:])
	l.tbc.Decrypt(xl[:], xl[:])
	subtle.XORBytes(xl[:], xl[:], m[:])
}

// accepted moves l on after a cell for (or from) this layer, whose tag on
// the relay's side of the layer is t: t becomes the nonce that marks the
// next one, and every UpdateEvery cells the keys are replaced.
func (l *layer) accepted(t Tag) {
	l.nonce = t
	if l.cells++; l.cells == UpdateEvery {
		l.cells = 0
		l.update()
	}
}

// update replaces l's keys and nonce with PRF output on the current nonce
// (CGO's UIV+ update, done every UpdateEvery cells rather than every cell:
// a Go AES key schedule costs about as much as five cells' layers). The
// old keys cannot be recomputed from the new.
func (l *layer) update() {
	clear(l.key[:])
	l.prf(&l.nonce, domainUpdate, l.key[:])
	if err := l.setKeys(l.key[:]); err != nil {
		panic("relaycrypto: rekey: " + err.Error()) // lengths are constant
	}
	clear(l.key[:])
}

// wipe zeroes what l can reach. The AES key schedules inside crypto/aes
// cannot be zeroed from outside; they are dropped for the collector.
func (l *layer) wipe() {
	clear(l.nonce[:])
	clear(l.tprime[:])
	clear(l.tweak[:])
	clear(l.mask[:])
	l.tbc, l.hash, l.ivKey, l.stream = nil, nil, nil, nil
}
