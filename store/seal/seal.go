// Package seal is the at-rest sealing codec of the store: a strict binary
// format for XChaCha20-Poly1305 ciphertexts plus the pure Seal and Open
// operations over it.
//
// It does no I/O and keeps no state; randomness is injected as an io.Reader.
// Everything here is safe for concurrent use (Key values excepted: a Key
// must not be zeroed while another goroutine uses it).
//
// # Format (version 1)
//
//	offset  size  field
//	0       1     version, always 0x01
//	1       24    nonce (random, XChaCha20-Poly1305)
//	25      4     ciphertext length n, big-endian uint32, 16 <= n <= MaxPlaintext+16
//	29      n     ciphertext including the 16-byte Poly1305 tag
//
// A blob is exactly 29+n bytes: truncated input and trailing bytes are
// rejected, so no strict prefix of a valid blob parses. Associated data is
// chosen by the caller (the store binds a domain string and the secret's
// name) and is not stored in the blob.
package seal

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Format constants (version 1).
const (
	Version    = 1
	KeySize    = chacha20poly1305.KeySize
	NonceSize  = chacha20poly1305.NonceSizeX
	TagSize    = chacha20poly1305.Overhead
	HeaderSize = 1 + NonceSize + 4
)

// Implementation limits.
const (
	// MaxPlaintext bounds what one blob may carry; larger declared lengths
	// are rejected before anything is allocated.
	MaxPlaintext = 1 << 20
	// MaxBlob is the size of the largest valid blob.
	MaxBlob = HeaderSize + MaxPlaintext + TagSize
)

// Errors returned by this package.
var (
	ErrMalformed = errors.New("seal: malformed blob")
	ErrVersion   = errors.New("seal: unsupported blob version")
	ErrAuth      = errors.New("seal: message authentication failed")
	ErrTooLarge  = errors.New("seal: plaintext too large")
)

// Key is a 32-byte XChaCha20-Poly1305 key. Call Zero when done with it.
type Key [KeySize]byte

// Zero overwrites the key with zeros.
func (k *Key) Zero() { clear(k[:]) }

// Equal reports in constant time whether k and o hold the same key.
func (k *Key) Equal(o *Key) bool { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// Blob is a parsed sealed blob. Ciphertext includes the tag.
type Blob struct {
	Nonce      [NonceSize]byte
	Ciphertext []byte
}

// Marshal encodes b. It panics if b.Ciphertext has a length that Parse
// would reject, since such a Blob cannot come from Parse or Seal.
func (b Blob) Marshal() []byte {
	n := len(b.Ciphertext)
	if n < TagSize || n > MaxPlaintext+TagSize {
		panic(fmt.Sprintf("seal: ciphertext length %d out of range", n))
	}
	out := make([]byte, HeaderSize, HeaderSize+n)
	out[0] = Version
	copy(out[1:], b.Nonce[:])
	binary.BigEndian.PutUint32(out[1+NonceSize:], uint32(n))
	return append(out, b.Ciphertext...)
}

// Parse decodes a blob strictly. On error it returns the zero Blob.
func Parse(data []byte) (Blob, error) {
	if len(data) < HeaderSize {
		return Blob{}, ErrMalformed
	}
	if data[0] != Version {
		return Blob{}, ErrVersion
	}
	n := binary.BigEndian.Uint32(data[1+NonceSize:])
	if n < TagSize || n > MaxPlaintext+TagSize {
		return Blob{}, ErrMalformed
	}
	if uint64(len(data)) != uint64(HeaderSize)+uint64(n) {
		return Blob{}, ErrMalformed
	}
	var b Blob
	copy(b.Nonce[:], data[1:])
	b.Ciphertext = append([]byte(nil), data[HeaderSize:]...)
	return b, nil
}

// Seal encrypts plaintext under key with a fresh random nonce read from
// rand, binding ad, and returns the encoded blob.
func Seal(key *Key, rand io.Reader, plaintext, ad []byte) ([]byte, error) {
	if len(plaintext) > MaxPlaintext {
		return nil, ErrTooLarge
	}
	var b Blob
	if _, err := io.ReadFull(rand, b.Nonce[:]); err != nil {
		return nil, fmt.Errorf("seal: reading nonce: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	b.Ciphertext = aead.Seal(nil, b.Nonce[:], plaintext, ad)
	return b.Marshal(), nil
}

// Open parses blob and decrypts it under key with ad. It returns
// ErrMalformed or ErrVersion for a blob that does not parse and ErrAuth for
// one that fails authentication (wrong key, wrong ad or tampering); it never
// returns unauthenticated plaintext.
func Open(key *Key, blob, ad []byte) ([]byte, error) {
	b, err := Parse(blob)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, b.Nonce[:], b.Ciphertext, ad)
	if err != nil {
		return nil, ErrAuth
	}
	return pt, nil
}
