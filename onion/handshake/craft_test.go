package handshake

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"

	"github.com/flynn/noise"
	"golang.org/x/crypto/curve25519"
)

// This file builds handshake messages by hand with flynn/noise and its own
// DH, so tests can send what an honest peer never would.

// lowOrder are X25519 u-coordinates of small order and non-canonical
// encodings of them (p, p+1, and the top bit set, which X25519 ignores);
// a DH with any of them yields all zeros.
var lowOrder = map[string]string{
	"zero":          "0000000000000000000000000000000000000000000000000000000000000000",
	"one":           "0100000000000000000000000000000000000000000000000000000000000000",
	"order8a":       "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"order8b":       "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"p-1":           "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"p":             "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"p+1":           "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"order8a+2^255": "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	"zero+2^255":    "0000000000000000000000000000000000000000000000000000000000000080",
}

func lowOrderKey(name string) []byte {
	b, err := hex.DecodeString(lowOrder[name])
	if err != nil || len(b) != 32 {
		panic(name)
	}
	return b
}

// permissiveDH is X25519 without the all-zero check (what a careless
// implementation does), and can force the ephemeral public key to forced:
// DH with that ephemeral then gives the zeros a permissive peer computes
// with a low-order key.
type permissiveDH struct{ forced []byte }

var forgedPriv = seeded(0xEE)

func (d permissiveDH) GenerateKeypair(r io.Reader) (noise.DHKey, error) {
	priv := make([]byte, 32)
	if _, err := io.ReadFull(r, priv); err != nil {
		return noise.DHKey{}, err
	}
	if d.forced != nil {
		return noise.DHKey{Private: forgedPriv, Public: bytes.Clone(d.forced)}, nil
	}
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	return noise.DHKey{Private: priv, Public: pub}, err
}

func (d permissiveDH) DH(priv, pub []byte) ([]byte, error) {
	if d.forced != nil && bytes.Equal(priv, forgedPriv) {
		return make([]byte, 32), nil
	}
	var out, s, p [32]byte
	copy(s[:], priv)
	copy(p[:], pub)
	//lint:ignore SA1019 the unchecked ScalarMult is the point: it models a permissive peer
	curve25519.ScalarMult(&out, &s, &p)
	return out[:], nil
}

func (permissiveDH) DHLen() int     { return 32 }
func (permissiveDH) DHName() string { return "25519" }

func permissiveSuite(forced []byte) noise.CipherSuite {
	return noise.NewCipherSuite(permissiveDH{forced: forced}, noise.CipherAESGCM, noise.HashSHA256)
}

// msg1 describes a hand-made client message.
type msg1 struct {
	net           [32]byte
	epoch         uint32 // the epoch field
	prologueEpoch uint32 // the epoch in the prologue
	key           [32]byte
	ts            uint64
	eph           []byte // forced ephemeral public key, if set
}

func honestMsg1(e *env) msg1 {
	return msg1{net: testNet, epoch: testEpoch, prologueEpoch: testEpoch, key: pub(e.cur), ts: uint64(t0.Unix())}
}

func (m msg1) build(t testing.TB) []byte {
	t.Helper()
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: permissiveSuite(m.eph),
		Random:      newDRBG("craft"),
		Pattern:     noise.HandshakeNK,
		Initiator:   true,
		Prologue:    prologue(m.net, m.prologueEpoch),
		PeerStatic:  m.key[:],
	})
	if err != nil {
		t.Fatal(err)
	}
	out := binary.BigEndian.AppendUint32(nil, m.epoch)
	out, _, _, err = hs.WriteMessage(out, binary.BigEndian.AppendUint64(nil, m.ts))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// permissiveRespond answers clientMsg as a relay holding e.cur would, but
// with permissiveDH and an ephemeral forced to eph (nil: an honest one).
// It fails the test if the permissive relay cannot read the message.
func permissiveRespond(t testing.TB, e *env, clientMsg, eph []byte) []byte {
	t.Helper()
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   permissiveSuite(eph),
		Random:        newDRBG("permissive"),
		Pattern:       noise.HandshakeNK,
		Prologue:      prologue(testNet, binary.BigEndian.Uint32(clientMsg)),
		StaticKeypair: noise.DHKey{Private: e.cur.Bytes(), Public: e.cur.PublicKey().Bytes()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := hs.ReadMessage(nil, clientMsg[4:]); err != nil {
		t.Fatalf("a permissive relay cannot read the message either: %v", err)
	}
	out, _, _, err := hs.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flip(b []byte, i int, bit uint) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1 << bit
	return c
}
