package invite

import (
	"crypto/hkdf"
	"crypto/sha256"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/warrennet/warren/messaging/envelope"
)

// sealOverhead is what sealing adds around the padded plaintext:
// XChaCha20-Poly1305 nonce and tag.
const sealOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead // 40

// subKey is HKDF-SHA256(ikm = key, salt = none, info = label)[:32].
func subKey(key *[32]byte, label string) [32]byte {
	out, err := hkdf.Key(sha256.New, key[:], nil, label, 32)
	if err != nil {
		panic("invite: hkdf: " + err.Error()) // cannot happen for 32 bytes
	}
	var k [32]byte
	copy(k[:], out)
	clear(out)
	return k
}

// seal pads content to the smallest envelope size and encrypts it:
// nonce 24 (from r) | XChaCha20-Poly1305(subKey(key, label), nonce, padded).
func seal(key *[32]byte, label string, content []byte, r io.Reader) ([]byte, error) {
	pt, err := envelope.PadFor(content, sealOverhead)
	if err != nil {
		return nil, ErrTooLarge
	}
	defer clear(pt)
	k := subKey(key, label)
	defer clear(k[:])
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		panic("invite: xchacha20poly1305: " + err.Error())
	}
	out := make([]byte, chacha20poly1305.NonceSizeX, len(pt)+sealOverhead)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, ErrRandom
	}
	return aead.Seal(out, out, pt, nil), nil
}

// open reverses seal and returns the content (a fresh buffer).
func open(key *[32]byte, label string, env []byte) ([]byte, error) {
	if !envelope.ValidSize(len(env)) {
		return nil, ErrMalformed
	}
	k := subKey(key, label)
	defer clear(k[:])
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		panic("invite: xchacha20poly1305: " + err.Error())
	}
	n := chacha20poly1305.NonceSizeX
	pt, err := aead.Open(nil, env[:n], env[n:], nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	content, err := envelope.UnpadFor(pt, sealOverhead)
	if err != nil {
		return nil, ErrMalformed
	}
	return content, nil
}
