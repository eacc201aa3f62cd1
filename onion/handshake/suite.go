package handshake

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"

	"github.com/flynn/noise"
)

// Spec constants (doc.go has the layouts).
const (
	// ProtocolName starts the prologue.
	ProtocolName = "warren-circuit"
	// Version is the handshake version in the prologue.
	Version = uint16(1)
	// KeyInfo is the HKDF info string of the relay-key derivation.
	KeyInfo = "warren-circuit/1 relay keys"

	// ClientMsgLen is the length of a client message: epoch (4), Noise
	// message 1 = ephemeral key (32) || sealed timestamp (8 + 16).
	ClientMsgLen = 4 + 32 + 8 + 16
	// ServerMsgLen is the length of a relay message: Noise message 2 =
	// ephemeral key (32) || sealed empty payload (16).
	ServerMsgLen = 32 + 16
	// MaxKeyLen bounds the relay key material a handshake derives.
	MaxKeyLen = 1024
)

// Implementation constants.
const (
	keySize = 32
	tsLen   = 8
)

// prologue returns ProtocolName || Version || networkID || epoch (all
// integers big-endian). The epoch is mixed in too, so a client message
// whose epoch field was changed never decrypts, even at a relay that used
// one key for two epochs.
func prologue(networkID [32]byte, epoch uint32) []byte {
	b := make([]byte, 0, len(ProtocolName)+2+32+4)
	b = append(b, ProtocolName...)
	b = binary.BigEndian.AppendUint16(b, Version)
	b = append(b, networkID[:]...)
	return binary.BigEndian.AppendUint32(b, epoch)
}

// newNoise starts an NK handshake state with a fresh DH function.
// static is the relay's onion key (nil on the client).
func newNoise(networkID [32]byte, epoch uint32, initiator bool, peer []byte, static *ecdh.PrivateKey, rand io.Reader) (*noise.HandshakeState, *x25519DH, error) {
	dh := &x25519DH{}
	c := noise.Config{
		CipherSuite: noise.NewCipherSuite(dh, noise.CipherAESGCM, noise.HashSHA256),
		Random:      rand,
		Pattern:     noise.HandshakeNK,
		Initiator:   initiator,
		Prologue:    prologue(networkID, epoch),
		PeerStatic:  peer,
	}
	if static != nil {
		dh.static, dh.staticBytes = static, static.Bytes()
		c.StaticKeypair = noise.DHKey{Private: dh.staticBytes, Public: static.PublicKey().Bytes()}
	}
	hs, err := noise.NewHandshakeState(c)
	if err != nil {
		dh.wipe()
		return nil, nil, err
	}
	return hs, dh, nil
}

// x25519DH is Noise's 25519 DH function on crypto/ecdh, for one handshake.
// flynn/noise hands private keys over as bytes; this type keeps the parsed
// keys so a DH costs one scalar multiplication, not two. crypto/ecdh
// refuses a DH whose output is all zeros (a low-order peer key), which
// fails the handshake.
type x25519DH struct {
	static, eph           *ecdh.PrivateKey
	staticBytes, ephBytes []byte
}

var errUnknownPrivate = errors.New("handshake: DH with an unknown private key")

// GenerateKeypair reads exactly 32 bytes from random, so an injected reader
// fully determines the key (crypto/ecdh's GenerateKey ignores its reader
// since Go 1.26).
func (d *x25519DH) GenerateKeypair(random io.Reader) (noise.DHKey, error) {
	var seed [keySize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(random, seed[:]); err != nil {
		return noise.DHKey{}, err
	}
	k, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return noise.DHKey{}, err
	}
	clear(d.ephBytes)
	d.eph, d.ephBytes = k, k.Bytes()
	return noise.DHKey{Private: d.ephBytes, Public: k.PublicKey().Bytes()}, nil
}

func (d *x25519DH) DH(priv, pub []byte) ([]byte, error) {
	var k *ecdh.PrivateKey
	switch {
	case d.eph != nil && subtle.ConstantTimeCompare(priv, d.ephBytes) == 1:
		k = d.eph
	case d.static != nil && subtle.ConstantTimeCompare(priv, d.staticBytes) == 1:
		k = d.static
	default:
		return nil, errUnknownPrivate // unreachable: Noise uses only e and s
	}
	p, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return k.ECDH(p)
}

func (d *x25519DH) DHLen() int     { return keySize }
func (d *x25519DH) DHName() string { return "25519" }

// wipe clears the private key bytes this handshake handed to Noise and
// drops the parsed keys.
func (d *x25519DH) wipe() {
	clear(d.staticBytes)
	clear(d.ephBytes)
	*d = x25519DH{}
}

// validKeyLen reports whether n relay-key bytes may be derived.
func validKeyLen(n int) bool { return n >= 1 && n <= MaxKeyLen }

// derive turns a finished handshake into relay keys: HKDF-SHA256 with
// ikm = k1 || k2 (the keys of the two cipher states from Split), salt =
// the handshake hash, info = KeyInfo. It also returns the handshake hash.
func derive(hs *noise.HandshakeState, cs1, cs2 *noise.CipherState, keyLen int) ([]byte, [32]byte, error) {
	var ikm [2 * keySize]byte
	defer clear(ikm[:])
	k1, k2 := cs1.UnsafeKey(), cs2.UnsafeKey()
	copy(ikm[:keySize], k1[:])
	copy(ikm[keySize:], k2[:])
	clear(k1[:])
	clear(k2[:])
	var binding [32]byte
	copy(binding[:], hs.ChannelBinding())
	keys, err := hkdf.Key(sha256.New, ikm[:], binding[:], KeyInfo, keyLen)
	if err != nil {
		return nil, [32]byte{}, err // unreachable: keyLen was checked
	}
	return keys, binding, nil
}
