package handshake

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"

	"github.com/flynn/noise"
	"golang.org/x/crypto/curve25519"
	xhkdf "golang.org/x/crypto/hkdf"
)

// R4: the "ok" vectors, made by this package (crypto/ecdh DH), are checked
// against two other implementations from the same inputs: flynn/noise with
// its built-in DH25519 (x/crypto/curve25519), and a from-the-spec Noise NK
// written here with crypto/hmac, crypto/aes and x/crypto/curve25519. The
// relay keys are re-derived with x/crypto/hkdf.

// refPrologue is the prologue spelled out from the spec, not prologue().
func refPrologue(network []byte, epoch uint32) []byte {
	b := append([]byte("warren-circuit"), 0x00, 0x01)
	b = append(b, network...)
	return binary.BigEndian.AppendUint32(b, epoch)
}

// refKeys is the relay-key derivation with x/crypto/hkdf.
func refKeys(t testing.TB, k1, k2 [32]byte, h []byte, n int) []byte {
	out := make([]byte, n)
	if _, err := io.ReadFull(xhkdf.New(sha256.New, append(k1[:], k2[:]...), h, []byte("warren-circuit/1 relay keys")), out); err != nil {
		t.Fatal(err)
	}
	return out
}

type refResult struct{ clientMsg, serverMsg, keys, binding []byte }

func (r refResult) check(t *testing.T, impl string, v vector) {
	t.Helper()
	for _, c := range []struct {
		what      string
		got, want string
	}{
		{"client message", hex.EncodeToString(r.clientMsg), v.ClientMsg},
		{"server message", hex.EncodeToString(r.serverMsg), v.ServerMsg},
		{"keys", hex.EncodeToString(r.keys), v.Keys},
		{"binding", hex.EncodeToString(r.binding), v.Binding},
	} {
		if c.got != c.want {
			t.Errorf("%s, vector %s: %s\n got %s\nwant %s", impl, v.Name, c.what, c.got, c.want)
		}
	}
}

func okVectors(t *testing.T) []vector {
	var out []vector
	for _, v := range loadVectors(t).Vectors {
		if v.Expect == "ok" {
			out = append(out, v)
		}
	}
	if len(out) < 3 {
		t.Fatalf("%d ok vectors", len(out))
	}
	return out
}

func TestInteropFlynnBuiltinDH(t *testing.T) {
	for _, v := range okVectors(t) {
		flynnNK(t, v).check(t, "flynn/noise DH25519", v)
	}
}

func TestInteropSpecNK(t *testing.T) {
	for _, v := range okVectors(t) {
		specNK(t, v).check(t, "spec NK", v)
	}
}

func flynnNK(t *testing.T, v vector) refResult {
	suite := noise.NewCipherSuite(noise.DH25519, noise.CipherAESGCM, noise.HashSHA256)
	priv := unhex(t, v.OnionPrivate)
	pubKey, _ := curve25519.X25519(priv, curve25519.Basepoint)
	pro := refPrologue(unhex(t, v.Network), v.Epoch)
	cli, err := noise.NewHandshakeState(noise.Config{CipherSuite: suite, Random: bytes.NewReader(unhex(t, v.ClientRand)),
		Pattern: noise.HandshakeNK, Initiator: true, Prologue: pro, PeerStatic: pubKey})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := noise.NewHandshakeState(noise.Config{CipherSuite: suite, Random: bytes.NewReader(unhex(t, v.ServerRand)[32:]),
		Pattern: noise.HandshakeNK, Prologue: pro, StaticKeypair: noise.DHKey{Private: priv, Public: pubKey}})
	if err != nil {
		t.Fatal(err)
	}
	m1, _, _, err := cli.WriteMessage(nil, binary.BigEndian.AppendUint64(nil, uint64(v.ClientTime)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := srv.ReadMessage(nil, m1); err != nil {
		t.Fatal(err)
	}
	m2, s1, s2, err := srv.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, c1, c2, err := cli.ReadMessage(nil, m2); err != nil || c1.UnsafeKey() != s1.UnsafeKey() || c2.UnsafeKey() != s2.UnsafeKey() {
		t.Fatalf("reference handshake: %v", err)
	}
	return refResult{
		clientMsg: append(binary.BigEndian.AppendUint32(nil, v.Epoch), m1...),
		serverMsg: m2,
		keys:      refKeys(t, s1.UnsafeKey(), s2.UnsafeKey(), srv.ChannelBinding(), v.KeyLen),
		binding:   srv.ChannelBinding(),
	}
}

// specSym is the Noise symmetric state (Noise spec, section 5.2) for
// AESGCM and SHA-256, written from the spec.
type specSym struct {
	ck, h, k [32]byte
	n        uint64
	hasK     bool
}

func newSpecSym(name string) *specSym {
	s := &specSym{}
	if len(name) <= 32 {
		copy(s.h[:], name)
	} else {
		s.h = sha256.Sum256([]byte(name))
	}
	s.ck = s.h
	return s
}

func hmac256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// hkdf2 is the spec's HKDF(chaining_key, ikm, 2).
func hkdf2(ck, ikm []byte) (o1, o2 [32]byte) {
	tk := hmac256(ck, ikm)
	copy(o1[:], hmac256(tk, []byte{1}))
	copy(o2[:], hmac256(tk, append(o1[:], 2)))
	return
}

func (s *specSym) mixHash(data []byte) { s.h = sha256.Sum256(append(s.h[:], data...)) }

func (s *specSym) mixKey(ikm []byte) {
	s.ck, s.k = hkdf2(s.ck[:], ikm)
	s.n, s.hasK = 0, true
}

func (s *specSym) encryptAndHash(pt []byte) []byte {
	b, _ := aes.NewCipher(s.k[:])
	g, _ := cipher.NewGCM(b)
	var nonce [12]byte
	binary.BigEndian.PutUint64(nonce[4:], s.n)
	s.n++
	ct := g.Seal(nil, nonce[:], pt, s.h[:])
	s.mixHash(ct)
	return ct
}

func x25519(t *testing.T, scalar, point []byte) []byte {
	out, err := curve25519.X25519(scalar, point)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// specNK runs both sides of Noise_NK_25519_AESGCM_SHA256 in one state: in
// NK both sides compute the same transcript.
func specNK(t *testing.T, v vector) refResult {
	s := unhex(t, v.OnionPrivate)
	rs := x25519(t, s, curve25519.Basepoint)
	ei := unhex(t, v.ClientRand)
	er := unhex(t, v.ServerRand)[32:]
	ePubI, ePubR := x25519(t, ei, curve25519.Basepoint), x25519(t, er, curve25519.Basepoint)

	sym := newSpecSym("Noise_NK_25519_AESGCM_SHA256")
	sym.mixHash(refPrologue(unhex(t, v.Network), v.Epoch))
	sym.mixHash(rs) // <- s (pre-message)
	// -> e, es
	sym.mixHash(ePubI)
	sym.mixKey(x25519(t, ei, rs))
	m1 := append(binary.BigEndian.AppendUint32(nil, v.Epoch), ePubI...)
	m1 = append(m1, sym.encryptAndHash(binary.BigEndian.AppendUint64(nil, uint64(v.ClientTime)))...)
	// <- e, ee
	sym.mixHash(ePubR)
	sym.mixKey(x25519(t, ei, ePubR))
	if !bytes.Equal(x25519(t, er, ePubI), x25519(t, ei, ePubR)) {
		t.Fatal("ee differs between sides")
	}
	m2 := append(bytes.Clone(ePubR), sym.encryptAndHash(nil)...)
	k1, k2 := hkdf2(sym.ck[:], nil) // Split
	return refResult{clientMsg: m1, serverMsg: m2, keys: refKeys(t, k1, k2, sym.h[:], v.KeyLen), binding: sym.h[:]}
}
