package link

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Frame layout (wire format v2, docs/link.md section 2):
//
//	masked header (4) || AEAD_seal(k, n, body, ad = header) (class size + 16)
//
// One AEAD per frame: the header is the body's additional data, so it is
// authenticated with the body, and it travels masked (QUIC's header
// protection, RFC 9001 section 5.4): mask = AES-128-ECB_hp(sample), with
// sample the first 16 bytes of the sealed body, and the 4 header bytes
// XORed with mask[0:4]. The receiver unmasks and checks the header (type,
// class, length) after reading only the header and the sample, so the
// body buffer is bounded by a checked class size before anything is
// allocated.
//
// hp is one key per direction, derived once after the handshake from that
// direction's CipherState key, salted with the handshake hash; it does not
// change when the CipherState rekeys (as in QUIC).

// hpInfo is the HKDF info string of header-protection keys.
const hpInfo = "warren-link/2 header protection"

// hpKeyLen is the header-protection key size: AES-128.
const hpKeyLen = 16

// headerProt is one direction's header protection: the AES-128 block
// cipher and a scratch block for the mask, so masking does not allocate.
// It is used under its direction's lock (wmu or rmu).
type headerProt struct {
	block cipher.Block
	mask  [aes.BlockSize]byte
}

// newHeaderProt derives the header protection of the direction whose
// CipherState key is k, for the session whose handshake hash is binding.
func newHeaderProt(k, binding *[32]byte) *headerProt {
	key := headerKey(k, binding)
	defer clear(key[:])
	b, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: 16-byte key
	}
	return &headerProt{block: b}
}

// headerKey is HKDF-SHA256(secret k, salt binding, info hpInfo), 16 bytes.
// The caller wipes it.
func headerKey(k, binding *[32]byte) [hpKeyLen]byte {
	b, err := hkdf.Key(sha256.New, k[:], binding[:], hpInfo, hpKeyLen)
	if err != nil {
		panic(err) // unreachable: 16 bytes are far below HKDF-SHA256's limit
	}
	defer clear(b)
	return [hpKeyLen]byte(b)
}

// headerProtOf derives the header protection of cs's direction.
func headerProtOf(cs *noise.CipherState, binding *[32]byte) *headerProt {
	k := cs.UnsafeKey()
	defer clear(k[:])
	return newHeaderProt(&k, binding)
}

// apply XORs hdr (MaskedHeaderLen bytes) with the mask of sample (the
// first SampleLen bytes of the sealed body). It masks and unmasks alike.
func (h *headerProt) apply(hdr, sample []byte) {
	h.block.Encrypt(h.mask[:], sample[:wire.SampleLen])
	_ = hdr[wire.MaskedHeaderLen-1]
	hdr[0] ^= h.mask[0]
	hdr[1] ^= h.mask[1]
	hdr[2] ^= h.mask[2]
	hdr[3] ^= h.mask[3]
}

// zeros pads bodies.
var zeros [wire.MaxSize]byte

// sealFrame appends one frame to dst: header masked, then p padded with
// zeros to size bytes and sealed in place by cs with header as additional
// data. size must be at least SampleLen and len(p) at most size. It does
// not check header: tests use it to craft invalid frames.
func sealFrame(dst []byte, cs *noise.CipherState, hp *headerProt, header *[wire.HeaderLen]byte, p []byte, size int) ([]byte, error) {
	at := len(dst)
	dst = append(dst, header[:]...)
	start := len(dst)
	dst = append(dst, p...)
	dst = append(dst, zeros[:size-len(p)]...)
	dst, err := cs.Encrypt(dst[:start], header[:], dst[start:])
	if err != nil {
		return nil, err
	}
	hp.apply(dst[at:start], dst[start:])
	return dst, nil
}
