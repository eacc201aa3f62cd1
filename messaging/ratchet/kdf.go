package ratchet

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"io"
)

// KDF labels (HKDF info strings). Changing any of them changes the protocol.
const (
	infoInit  = "warren-ratchet/1 init"
	infoRoot  = "warren-ratchet/1 root"
	infoRK    = "warren-ratchet/1 rk"
	infoMK    = "warren-ratchet/1 mk"
	labelHash = "warren-ratchet/1 transcript"
)

type key = [keySize]byte

// kdfRK is KDF_RK_HE: HKDF-SHA256(salt=rk, ikm=dhOut, info) -> rk', ck, nhk.
func kdfRK(rk *key, dhOut []byte) (newRK, ck, nhk key) {
	out, err := hkdf.Key(sha256.New, dhOut, rk[:], infoRK, 3*keySize)
	if err != nil {
		panic("ratchet: hkdf: " + err.Error()) // cannot happen for 96 bytes
	}
	copy(newRK[:], out[0:32])
	copy(ck[:], out[32:64])
	copy(nhk[:], out[64:96])
	wipe(out)
	return newRK, ck, nhk
}

// kdfCK is KDF_CK: mk = HMAC(ck, 0x01), ck' = HMAC(ck, 0x02).
func kdfCK(ck *key) (newCK, mk key) {
	m := hmac.New(sha256.New, ck[:])
	m.Write([]byte{0x01})
	m.Sum(mk[:0])
	m.Reset()
	m.Write([]byte{0x02})
	m.Sum(newCK[:0])
	return newCK, mk
}

// messageKeys expands mk into the ChaCha20-Poly1305 key and nonce.
func messageKeys(mk *key) (aeadKey, nonce []byte) {
	out, err := hkdf.Key(sha256.New, mk[:], nil, infoMK, 32+12)
	if err != nil {
		panic("ratchet: hkdf: " + err.Error())
	}
	return out[:32], out[32:]
}

// rootKeys derives the initial root key and the two shared header keys
// from the handshake secret SK.
func rootKeys(sk *key) (rk, hka, nhkb key) {
	out, err := hkdf.Key(sha256.New, sk[:], nil, infoRoot, 3*keySize)
	if err != nil {
		panic("ratchet: hkdf: " + err.Error())
	}
	copy(rk[:], out[0:32])
	copy(hka[:], out[32:64])
	copy(nhkb[:], out[64:96])
	wipe(out)
	return rk, hka, nhkb
}

// newDHKey draws a fresh X25519 private key (32 uniform bytes) from r.
func newDHKey(r io.Reader) (priv, pub key, err error) {
	if _, err = io.ReadFull(r, priv[:]); err != nil {
		return priv, pub, ErrRandom
	}
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return priv, pub, ErrRandom
	}
	copy(pub[:], k.PublicKey().Bytes())
	return priv, pub, nil
}

// dh computes X25519(priv, pub); crypto/ecdh rejects an all-zero output.
func dh(priv, pub *key) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return nil, ErrMalformed
	}
	p, err := ecdh.X25519().NewPublicKey(pub[:])
	if err != nil {
		return nil, ErrMalformed
	}
	out, err := k.ECDH(p)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

func publicOf(priv *key) key {
	var pub key
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err == nil {
		copy(pub[:], k.PublicKey().Bytes())
	}
	return pub
}

func wipe(b []byte) { clear(b) }
