package link

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// This file builds handshake messages by hand, with flynn/noise and the
// wire codecs directly, so tests can send what an honest peer never would.

// lowOrder are X25519 u-coordinates of small order (and non-canonical
// encodings of them); DH with any of them yields all zeros.
var lowOrder = map[string]string{
	"zero":     "0000000000000000000000000000000000000000000000000000000000000000",
	"one":      "0100000000000000000000000000000000000000000000000000000000000000",
	"order8a":  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"order8b":  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"p-minus1": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"p":        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func lowOrderKey(name string) []byte {
	b, err := hex.DecodeString(lowOrder[name])
	if err != nil || len(b) != 32 {
		panic(name)
	}
	return b
}

// fakeEphDH is a DH function whose ephemeral public key is forced to pub
// (so a test can send a low-order ephemeral). DH results that fail are
// replaced by zeros: the sender does not care, the receiver must.
type fakeEphDH struct{ pub []byte }

func (f fakeEphDH) GenerateKeypair(r io.Reader) (noise.DHKey, error) {
	priv := make([]byte, 32)
	io.ReadFull(r, priv)
	return noise.DHKey{Private: priv, Public: append([]byte(nil), f.pub...)}, nil
}

func (f fakeEphDH) DH(priv, pub []byte) ([]byte, error) {
	k, _ := ecdh.X25519().NewPrivateKey(priv)
	p, _ := ecdh.X25519().NewPublicKey(pub)
	out, err := k.ECDH(p)
	if err != nil {
		return make([]byte, 32), nil
	}
	return out, nil
}
func (fakeEphDH) DHLen() int     { return 32 }
func (fakeEphDH) DHName() string { return "25519" }

func suiteWith(dh noise.DHFunc) noise.CipherSuite {
	return noise.NewCipherSuite(dh, aesGCM{}, noise.HashSHA256)
}

// rawHS describes one hand-made handshake side.
type rawHS struct {
	pattern    noise.HandshakePattern
	prologue   []byte
	static     noise.DHKey // our static (IK initiator, responder)
	peerStatic []byte      // pre-known responder static (initiator)
	ephPub     []byte      // forced ephemeral public key, if set
}

func (r rawHS) state(t testing.TB, initiator bool) *noise.HandshakeState {
	t.Helper()
	suite := suiteWith(&x25519DH{})
	if r.ephPub != nil {
		suite = suiteWith(fakeEphDH{pub: r.ephPub})
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: suite, Random: rand.Reader, Pattern: r.pattern, Initiator: initiator,
		Prologue: r.prologue, StaticKeypair: r.static, PeerStatic: r.peerStatic,
	})
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func dhKey(k *ecdh.PrivateKey) noise.DHKey {
	return noise.DHKey{Private: k.Bytes(), Public: k.PublicKey().Bytes()}
}

// ikMsg1 returns an IK message-1 envelope from client to server with the
// given payload and an honest prologue, plus the initiator state.
func ikMsg1(t testing.TB, client, server *node, payload []byte) ([]byte, *noise.HandshakeState) {
	rk := server.remote().LinkKey
	r := rawHS{pattern: noise.HandshakeIK, prologue: prologue(testNet), static: dhKey(client.linkKey), peerStatic: rk[:]}
	return r.msg1(t, wire.KindIK1, payload)
}

func (r rawHS) msg1(t testing.TB, kind wire.Kind, payload []byte) ([]byte, *noise.HandshakeState) {
	t.Helper()
	hs := r.state(t, true)
	body, _, _, err := hs.WriteMessage(nil, payload)
	if err != nil {
		t.Fatal(err)
	}
	return wire.AppendEnvelope(nil, kind, body), hs
}

// initPayload is an honest IK payload for n at time ts.
func initPayload(n *node, ts time.Time) []byte {
	return initPayloadCert(signCert(n.nodeKey, testNet, n.remote().LinkKey), uint64(ts.UnixNano()))
}

func initPayloadCert(c wire.LinkCert, ts uint64) []byte {
	p := wire.InitPayload{Timestamp: ts, Cert: c}
	return p.Append(nil)
}

// respond plays a hand-made responder on conn: it reads message 1 with
// state hs (built by the caller) and answers with kind and payload.
func respond(t testing.TB, conn net.Conn, hs *noise.HandshakeState, kind wire.Kind, payload []byte) error {
	var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	env, err := readEnvelope(conn, &buf)
	if err != nil {
		return err
	}
	_, body, _ := wire.ParseEnvelope(env)
	if _, _, _, err := hs.ReadMessage(nil, body); err != nil {
		return err
	}
	msg, _, _, err := hs.WriteMessage(nil, payload)
	if err != nil {
		return err
	}
	_, err = conn.Write(wire.AppendEnvelope(nil, kind, msg))
	return err
}

// spyConn records whether Close was called.
type spyConn struct {
	net.Conn
	closed atomic.Bool
}

func (s *spyConn) Close() error {
	s.closed.Store(true)
	return s.Conn.Close()
}

// testHP is the header protection of both directions of a keyedLink
// (testKey, an all-zero handshake hash).
func testHP() *headerProt {
	k := testKey
	return newHeaderProt(&k, &[32]byte{})
}

// craftFrame appends a frame with an arbitrary (possibly invalid) header
// and a body of size bytes (p, then zeros), sealed by cs and masked as a
// keyedLink expects.
func craftFrame(dst []byte, cs *noise.CipherState, hdr [wire.HeaderLen]byte, p []byte, size int) []byte {
	b, err := sealFrame(dst, cs, testHP(), &hdr, p, size)
	if err != nil {
		panic(err)
	}
	return b
}
