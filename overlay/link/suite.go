package link

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/flynn/noise"
)

// Spec constants: the prologue every handshake mixes in first. A peer with
// another protocol name, version or network ID derives other keys, so its
// first authenticated message fails to decrypt.
const (
	ProtocolName = "warren-link"
	Version      = uint16(1)
)

// prologue returns ProtocolName || Version (big-endian) || networkID.
func prologue(networkID [32]byte) []byte {
	b := make([]byte, 0, len(ProtocolName)+2+32)
	b = append(b, ProtocolName...)
	b = binary.BigEndian.AppendUint16(b, Version)
	return append(b, networkID[:]...)
}

// The suite is Noise 25519_AESGCM_SHA256:
//   - X25519 through crypto/ecdh, about twice as fast as x/crypto's
//     curve25519 (which re-derives the public key on every call); its ECDH
//     refuses low-order points (all-zero output), which fails the handshake.
//   - AES-256-GCM: with AES-NI it is 2-4x faster than ChaCha20-Poly1305 on
//     the machines Warren targets, and links are the hot path of a relay.
//   - SHA-256: hardware-accelerated where AES-NI is, and the hash the
//     AESGCM Noise suites are usually paired with.
//
// The DH function is per handshake so it can keep the parsed
// *ecdh.PrivateKey of the static and ephemeral keys: flynn/noise passes
// private keys as bytes, and re-parsing costs a scalar multiplication.
func newSuite(static *ecdh.PrivateKey) noise.CipherSuite {
	s, _ := newSuiteDH(static, nil)
	return s
}

// newSuiteDH also returns the DH function, so the handshake can commit its
// static-static result to cache once the peer is authenticated.
func newSuiteDH(static *ecdh.PrivateKey, cache *ssCache) (noise.CipherSuite, *x25519DH) {
	dh := &x25519DH{static: static, cache: cache}
	return noise.NewCipherSuite(dh, aesGCM{}, noise.HashSHA256), dh
}

type x25519DH struct {
	static, eph *ecdh.PrivateKey
	staticBytes []byte
	ephBytes    []byte
	cache       *ssCache
	seen        []ssEntry // DH(static, pub) results of this handshake
}

// commit caches the static-static result computed with peerStatic, if
// any, and forgets the others. Call it only after the peer authenticated.
func (d *x25519DH) commit(peerStatic []byte) {
	for i := range d.seen {
		if string(d.seen[i].peer[:]) == string(peerStatic) {
			d.cache.put(&d.seen[i])
		}
		clear(d.seen[i].ss[:])
	}
	d.seen = d.seen[:0]
}

// GenerateKeypair reads exactly 32 bytes from random, so an injected
// reader fully determines the key (crypto/ecdh's GenerateKey ignores its
// reader since Go 1.26).
func (d *x25519DH) GenerateKeypair(random io.Reader) (noise.DHKey, error) {
	var seed [32]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(random, seed[:]); err != nil {
		return noise.DHKey{}, err
	}
	k, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return noise.DHKey{}, err
	}
	d.eph, d.ephBytes = k, k.Bytes()
	return noise.DHKey{Private: d.ephBytes, Public: k.PublicKey().Bytes()}, nil
}

func (d *x25519DH) DH(priv, pub []byte) ([]byte, error) {
	k, err := d.key(priv)
	if err != nil {
		return nil, err
	}
	isStatic := k == d.static && d.cache != nil && len(pub) == 32
	if isStatic {
		if out, ok := d.cache.get(pub); ok {
			return out, nil
		}
	}
	p, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	out, err := k.ECDH(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	if isStatic {
		var e ssEntry
		copy(e.peer[:], pub)
		copy(e.ss[:], out)
		d.seen = append(d.seen, e)
	}
	return out, nil
}

// ssCacheSlots is the number of static-static DH results kept per Config.
const ssCacheSlots = 512

// ssCache keeps DH(our static, peer static) for peers that completed a
// handshake, as WireGuard precomputes it per peer: IK computes it on both
// sides of every handshake, and it only changes when a static key does.
// Entries are added only after the peer authenticated; a lookup with a
// key never seen (an ephemeral, a stranger) misses and costs nothing. The
// slot comes from the peer key, so strangers can only evict. The values
// are secret: they are zeroed when evicted, and the cache lives as long as
// its Config. Safe for concurrent use; nil caches nothing.
type ssCache struct {
	mu    sync.Mutex
	slots [ssCacheSlots]ssEntry
}

type ssEntry struct {
	peer, ss [32]byte
}

func ssSlot(peer []byte) int { return int(binary.LittleEndian.Uint64(peer[:8]) % ssCacheSlots) }

func (c *ssCache) get(peer []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &c.slots[ssSlot(peer)]
	if subtle.ConstantTimeCompare(e.peer[:], peer) != 1 || e.peer == ([32]byte{}) {
		return nil, false
	}
	return append([]byte(nil), e.ss[:]...), true
}

func (c *ssCache) put(e *ssEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[ssSlot(e.peer[:])] = *e
}

// key returns the cached parsed key matching priv, or parses it.
func (d *x25519DH) key(priv []byte) (*ecdh.PrivateKey, error) {
	if d.eph != nil && subtle.ConstantTimeCompare(priv, d.ephBytes) == 1 {
		return d.eph, nil
	}
	if d.static != nil {
		if d.staticBytes == nil {
			d.staticBytes = d.static.Bytes()
		}
		if subtle.ConstantTimeCompare(priv, d.staticBytes) == 1 {
			return d.static, nil
		}
	}
	return ecdh.X25519().NewPrivateKey(priv)
}

func (d *x25519DH) DHLen() int     { return 32 }
func (d *x25519DH) DHName() string { return "25519" }

// aesGCM is Noise's AESGCM cipher function (big-endian 64-bit nonce after
// four zero bytes). Unlike flynn/noise's built-in one it keeps the nonce in
// the cipher, so sealing a frame does not allocate. A Cipher is used by one
// goroutine at a time (the CipherState's owner).
type aesGCM struct{}

func (aesGCM) CipherName() string { return "AESGCM" }

func (aesGCM) Cipher(k [32]byte) noise.Cipher {
	b, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // unreachable: 32-byte key
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err) // unreachable: standard nonce and tag sizes
	}
	return &gcmCipher{aead: g}
}

type gcmCipher struct {
	aead  cipher.AEAD
	nonce [12]byte
}

func (c *gcmCipher) Encrypt(out []byte, n uint64, ad, plaintext []byte) []byte {
	binary.BigEndian.PutUint64(c.nonce[4:], n)
	return c.aead.Seal(out, c.nonce[:], plaintext, ad)
}

func (c *gcmCipher) Decrypt(out []byte, n uint64, ad, ciphertext []byte) ([]byte, error) {
	binary.BigEndian.PutUint64(c.nonce[4:], n)
	return c.aead.Open(out, c.nonce[:], ciphertext, ad)
}
