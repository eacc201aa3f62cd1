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
// first authenticated message fails to decrypt. Version 2 is the frame
// layout with one AEAD per frame and a masked header (frame.go); a
// version-1 peer (separately sealed headers) fails the handshake.
const (
	ProtocolName = "warren-link"
	Version      = uint16(2)
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
	var b []byte
	if static != nil {
		b = static.Bytes()
	}
	s, _ := newSuiteDH(static, b)
	return s
}

// newSuiteDH also returns the DH function. staticBytes is static's private
// key as bytes, computed once per Config (not copied per handshake).
func newSuiteDH(static *ecdh.PrivateKey, staticBytes []byte) (noise.CipherSuite, *x25519DH) {
	dh := &x25519DH{static: static, staticBytes: staticBytes}
	return noise.NewCipherSuite(dh, aesGCM{}, noise.HashSHA256), dh
}

type x25519DH struct {
	static, eph *ecdh.PrivateKey
	staticBytes []byte
	ephBytes    []byte

	// Initiator only: DH(static, pinned) may come from cache, and a
	// computed one is kept in fresh until commit.
	cache    *ssCache
	pinned   [32]byte
	fresh    [32]byte
	hasFresh bool
}

// pin lets DH(static, remote) come from cache and be committed to it. Only
// the initiator calls it, with the Remote its caller took from a verified
// peer record: no key a peer chooses during the handshake (its static in
// message 1, its ephemeral in message 2) is ever looked up, so the cache
// cannot tell a remote party whom we linked with.
func (d *x25519DH) pin(cache *ssCache, remote [32]byte) {
	d.cache, d.pinned = cache, remote
}

// commit caches the DH(static, pinned) result computed in this handshake,
// if any. Call it only once the responder authenticated.
func (d *x25519DH) commit() {
	if d.hasFresh {
		d.cache.put(&ssEntry{peer: d.pinned, ss: d.fresh})
	}
	d.forget()
}

// forget wipes the uncommitted result.
func (d *x25519DH) forget() {
	clear(d.fresh[:])
	d.hasFresh = false
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
	cached := d.cache != nil && k == d.static && subtle.ConstantTimeCompare(pub, d.pinned[:]) == 1
	if cached {
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
	if cached {
		copy(d.fresh[:], out)
		d.hasFresh = true
	}
	return out, nil
}

// ssCacheSlots is the number of static-static DH results kept per Config.
const ssCacheSlots = 512

// ssCache keeps DH(our static, remote static) for remotes we dialed with
// IK and that authenticated, as WireGuard precomputes it per peer: it only
// changes when a static key does. Only the initiator uses it, and only for
// the Remote.LinkKey its caller pinned (x25519DH.pin): a responder never
// looks up the static key an initiator sends, since that lookup would
// happen before anything is authenticated and its timing (a hit is one DH,
// about 50 µs, faster) would tell anyone which nodes linked to us. The
// values are secret: they are overwritten when evicted, and the cache lives
// as long as its Config. Safe for concurrent use; nil caches nothing.
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
	if d.static != nil && subtle.ConstantTimeCompare(priv, d.staticBytes) == 1 {
		return d.static, nil
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
