package link

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link/wire"
)

// Initiator side.

type initCase struct {
	name   string
	anon   bool
	remote func(e *negEnv) Remote
	// build returns the attacker's responder behaviour on its conn end.
	build func(t *testing.T, e *negEnv, anon bool) func(c net.Conn)
	want  error
}

// dialUnder runs Dial against the attacker; it returns Dial's result and
// whether the dialer closed its conn.
func (e *negEnv) dialUnder(t *testing.T, c initCase) (*Link, error, bool) {
	t.Helper()
	cfg := e.ccfg
	if c.anon {
		cfg = &Config{NetworkID: testNet, HandshakeTimeout: negTimeout}
	}
	remote := e.server.remote()
	if c.remote != nil {
		remote = c.remote(e)
	}
	act := c.build(t, e, c.anon)
	c1, c2 := net.Pipe()
	spy := &spyConn{Conn: c1}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c2.Close()
		c2.SetDeadline(time.Now().Add(5 * time.Second))
		act(c2)
	}()
	l, err := Dial(context.Background(), spy, cfg, remote)
	if l != nil {
		l.Close()
	}
	<-done
	return l, err, spy.closed.Load()
}

// readMsg1 consumes the dialer's message 1.
func readMsg1(c net.Conn) {
	var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	readEnvelope(c, &buf)
}

func writeAfterMsg1(b []byte) func(*testing.T, *negEnv, bool) func(net.Conn) {
	return func(*testing.T, *negEnv, bool) func(net.Conn) {
		return func(c net.Conn) {
			readMsg1(c)
			c.Write(b)
		}
	}
}

// rawResponder answers honestly except for the cert, the static key, the
// ephemeral key or the kind it is given.
type rawResponder struct {
	static *ecdh.PrivateKey
	cert   *wire.LinkCert
	ephPub []byte
	kind   wire.Kind
	mangle func([]byte) []byte
}

func (r rawResponder) build(t *testing.T, e *negEnv, anon bool) func(net.Conn) {
	if r.static == nil {
		r.static = e.server.linkKey
	}
	pat, kind := noise.HandshakeIK, wire.KindIK2
	if anon {
		pat, kind = noise.HandshakeNK, wire.KindNK2
	}
	if r.kind != 0 {
		kind = r.kind
	}
	cert := signCert(e.server.nodeKey, testNet, e.server.remote().LinkKey)
	if r.cert != nil {
		cert = *r.cert
	}
	hs := rawHS{pattern: pat, prologue: prologue(testNet), static: dhKey(r.static), ephPub: r.ephPub}.state(t, false)
	payload := (&wire.RespPayload{Cert: cert}).Append(nil)
	return func(c net.Conn) {
		if r.mangle == nil {
			respond(t, c, hs, kind, payload)
			return
		}
		var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
		env, err := readEnvelope(c, &buf)
		if err != nil {
			return
		}
		_, body, _ := wire.ParseEnvelope(env)
		hs.ReadMessage(nil, body)
		msg, _, _, _ := hs.WriteMessage(nil, payload)
		c.Write(r.mangle(wire.AppendEnvelope(nil, kind, msg)))
	}
}

func certBy(signer *node, node identity.NodeID, link [32]byte) *wire.LinkCert {
	c := signCert(signer.nodeKey, testNet, link)
	c.Node = node
	return &c
}

func initCases() []initCase {
	none := func(*testing.T, *negEnv, bool) func(net.Conn) { return func(c net.Conn) { readMsg1(c) } }
	cs := []initCase{
		{name: "no answer (stall)", build: func(*testing.T, *negEnv, bool) func(net.Conn) {
			return func(c net.Conn) { readMsg1(c); time.Sleep(2 * negTimeout) }
		}, want: os.ErrDeadlineExceeded},
		{name: "EOF instead of msg2", build: none, want: io.ErrUnexpectedEOF},
		{name: "garbage msg2", build: writeAfterMsg1(bytes.Repeat([]byte{0xde, 0xad}, 100)), want: wire.ErrKind},
		{name: "msg1 reflected back", build: func(*testing.T, *negEnv, bool) func(net.Conn) {
			return func(c net.Conn) {
				var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
				env, _ := readEnvelope(c, &buf)
				c.Write(env)
			}
		}, want: wire.ErrKind},
		{name: "NK kind in IK handshake", build: rawResponder{kind: wire.KindNK2}.build, want: wire.ErrKind},
		{name: "IK kind in NK handshake", anon: true, build: rawResponder{kind: wire.KindIK2}.build, want: wire.ErrKind},
		{name: "oversize declared length", build: writeAfterMsg1([]byte{byte(wire.KindIK2), 0xff, 0xff}), want: wire.ErrLength},
		{name: "declared length one long", build: writeAfterMsg1(envelope(wire.KindIK2, wire.IK2Len+1, 0)), want: wire.ErrLength},
		{name: "random body (responder lacks the key)", build: writeAfterMsg1(envelope(wire.KindIK2, wire.IK2Len, 0x33)), want: ErrDecrypt},
		{name: "NK random body (responder lacks the key)", anon: true, build: writeAfterMsg1(envelope(wire.KindNK2, wire.NK2Len, 0x33)), want: ErrDecrypt},
		{name: "tampered msg2", build: rawResponder{mangle: func(b []byte) []byte { return flip(b, len(b)-20) }}.build, want: ErrDecrypt},
		{name: "responder cert names unexpected node", build: rawResponder{static: nil}.build, remote: func(e *negEnv) Remote {
			r := e.server.remote()
			r.NodeID = e.other.id
			return r
		}, want: ErrPeerIdentity},
		{name: "NK responder cert names unexpected node", anon: true, build: rawResponder{}.build, remote: func(e *negEnv) Remote {
			r := e.server.remote()
			r.NodeID = e.other.id
			return r
		}, want: ErrPeerIdentity},
		{name: "responder cert link key is not Noise static", build: func(t *testing.T, e *negEnv, anon bool) func(net.Conn) {
			return rawResponder{cert: certBy(e.server, e.server.id, e.other.remote().LinkKey)}.build(t, e, anon)
		}, want: ErrBadCert},
		{name: "responder cert signed by another node", build: func(t *testing.T, e *negEnv, anon bool) func(net.Conn) {
			return rawResponder{cert: certBy(e.other, e.server.id, e.server.remote().LinkKey)}.build(t, e, anon)
		}, want: ErrBadCert},
		{name: "responder cert bad signature", anon: true, build: func(t *testing.T, e *negEnv, anon bool) func(net.Conn) {
			c := certBy(e.server, e.server.id, e.server.remote().LinkKey)
			c.Sig[63] ^= 0x40
			return rawResponder{cert: c}.build(t, e, anon)
		}, want: ErrBadCert},
		{name: "low-order msg2 ephemeral (zero)", build: rawResponder{ephPub: lowOrderKey("zero")}.build, want: ErrDecrypt},
		{name: "NK low-order msg2 ephemeral (order 8)", anon: true, build: rawResponder{ephPub: lowOrderKey("order8a")}.build, want: ErrDecrypt},
		{name: "remote link key all zero", build: none, remote: func(e *negEnv) Remote {
			return Remote{NodeID: e.server.id}
		}, want: ErrConfig},
		{name: "remote link key low order", build: none, remote: func(e *negEnv) Remote {
			r := Remote{NodeID: e.server.id}
			copy(r.LinkKey[:], lowOrderKey("order8a"))
			return r
		}, want: ErrDecrypt},
		{name: "remote node ID zero", build: none, remote: func(e *negEnv) Remote {
			return Remote{LinkKey: e.server.remote().LinkKey}
		}, want: ErrConfig},
		{name: "remote node ID small order", build: none, remote: func(e *negEnv) Remote {
			return Remote{NodeID: forgedSmallOrderCert().Node, LinkKey: e.server.remote().LinkKey}
		}, want: ErrConfig},
		{name: "responder cert with small-order node key (forged signature)", build: func(t *testing.T, e *negEnv, anon bool) func(net.Conn) {
			c := forgedSmallOrderCert()
			return rawResponder{cert: &c}.build(t, e, anon)
		}, want: wire.ErrNodeKey},
	}
	for _, n := range []int{1, 3, 50, 3 + wire.IK2Len - 1} {
		cs = append(cs, initCase{name: "truncated msg2 at " + itoa(n), build: rawResponder{mangle: func(b []byte) []byte { return b[:n] }}.build, want: io.ErrUnexpectedEOF})
	}
	return cs
}

func TestNegativeInitiator(t *testing.T) {
	for _, c := range initCases() {
		t.Run(c.name, func(t *testing.T) {
			e := newNegEnv(t)
			l, err, closed := e.dialUnder(t, c)
			checkRefused(t, l, err, closed, c.want)
		})
	}
}
