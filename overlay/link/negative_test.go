package link

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// The negative matrix (R5): each case sends what an attacker would and
// asserts that the side under test returns an error for the intended
// reason, establishes no session (no Link, no replay-guard admission) and
// closes its conn.

const negTimeout = 300 * time.Millisecond

type negEnv struct {
	client, server, other *node
	guard                 *ReplayGuard
	scfg, ccfg            *Config
}

func newNegEnv(t *testing.T) *negEnv {
	e := &negEnv{client: newNode(t), server: newNode(t), other: newNode(t)}
	e.scfg = e.server.config()
	e.scfg.HandshakeTimeout = negTimeout
	start := time.Now()
	e.scfg.Now = func() time.Time { return start } // no token refills during a case
	e.ccfg = e.client.config()
	e.ccfg.HandshakeTimeout = negTimeout
	e.guard = NewReplayGuard(ReplayConfig{})
	return e
}

// attack is what the attacker writes; stall keeps the conn open after
// writing (so only the deadline can end the handshake), otherwise the
// attacker closes its end.
type attack struct {
	msgs  [][]byte
	stall bool
}

func send(msgs ...[]byte) attack  { return attack{msgs: msgs} }
func stall(msgs ...[]byte) attack { return attack{msgs: msgs, stall: true} }

// acceptUnder runs Accept against a. It returns Accept's result (a link
// is closed before returning) and whether the server closed its conn.
func (e *negEnv) acceptUnder(t *testing.T, a attack) (*Link, error, bool) {
	t.Helper()
	c1, c2 := net.Pipe()
	spy := &spyConn{Conn: c2}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c1.Close()
		for _, m := range a.msgs {
			if _, err := c1.Write(m); err != nil {
				return
			}
		}
		if a.stall {
			c1.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.Copy(io.Discard, c1) // until the server closes
		}
	}()
	l, err := Accept(context.Background(), spy, e.scfg, e.guard)
	if l != nil {
		l.Close()
	}
	<-done
	return l, err, spy.closed.Load()
}

func (e *negEnv) ik1(t *testing.T, payload []byte) []byte {
	m, _ := ikMsg1(t, e.client, e.server, payload)
	return m
}

func (e *negEnv) honestIK1(t *testing.T) []byte {
	return e.ik1(t, initPayload(e.client, time.Now()))
}

func (e *negEnv) rawIK(prolog []byte) rawHS {
	rk := e.server.remote().LinkKey
	return rawHS{pattern: noise.HandshakeIK, prologue: prolog, static: dhKey(e.client.linkKey), peerStatic: rk[:]}
}

func (e *negEnv) rawNK() rawHS {
	rk := e.server.remote().LinkKey
	return rawHS{pattern: noise.HandshakeNK, prologue: prologue(testNet), peerStatic: rk[:]}
}

func prologueWith(name string, version uint16, nw [32]byte) []byte {
	b := append([]byte(name), byte(version>>8), byte(version))
	return append(b, nw[:]...)
}

func envelope(k wire.Kind, n int, fill byte) []byte {
	return wire.AppendEnvelope(nil, k, bytes.Repeat([]byte{fill}, n))
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x01
	return c
}

// transportFrame is a real sealed data frame under some other session.
func transportFrame() []byte {
	cs := noise.UnsafeNewCipherState(newSuite(nil), [32]byte{1}, 0)
	hp := headerProtOf(cs, &[32]byte{2})
	l := &Link{send: cs, sendHP: hp, p: &prepared{rekeyMessages: 1 << 20, rekeyEvery: time.Hour}}
	f, _ := l.sealLocked(nil, wire.FrameData, []byte("early"), 0)
	return f
}

type respCase struct {
	name  string
	build func(t *testing.T, e *negEnv) attack
	want  error
}

func respCases() []respCase {
	cs := []respCase{
		{"garbage bytes", func(t *testing.T, e *negEnv) attack { return send(bytes.Repeat([]byte{0xde, 0xad}, 150)) }, wire.ErrKind},
		{"empty message", func(t *testing.T, e *negEnv) attack { return send([]byte{byte(wire.KindNK1), 0, 0}) }, wire.ErrLength},
		{"no bytes then EOF", func(t *testing.T, e *negEnv) attack { return send() }, io.ErrUnexpectedEOF},
		{"nothing sent (stall)", func(t *testing.T, e *negEnv) attack { return stall() }, os.ErrDeadlineExceeded},
		{"unknown pattern byte", func(t *testing.T, e *negEnv) attack { return send(envelope(0x7f, wire.NK1Len, 1)) }, wire.ErrKind},
		{"IK msg2 sent to responder", func(t *testing.T, e *negEnv) attack { return send(envelope(wire.KindIK2, wire.IK2Len, 2)) }, wire.ErrKind},
		{"NK msg2 sent to responder", func(t *testing.T, e *negEnv) attack { return send(envelope(wire.KindNK2, wire.NK2Len, 2)) }, wire.ErrKind},
		{"transport frame before handshake", func(t *testing.T, e *negEnv) attack { return send(transportFrame()) }, ErrHandshake},
		{"oversize declared length", func(t *testing.T, e *negEnv) attack {
			return send(append([]byte{byte(wire.KindIK1), 0xff, 0xff}, make([]byte, 1000)...))
		}, wire.ErrLength},
		{"declared length one short", func(t *testing.T, e *negEnv) attack {
			m := e.honestIK1(t)
			m[2]--
			return send(m)
		}, wire.ErrLength},
		{"NK client claims identity (payload)", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawNK().msg1(t, wire.KindNK1, initPayload(e.client, time.Now()))
			return send(m)
		}, wire.ErrLength},
		{"NK client claims identity (length lies)", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawNK().msg1(t, wire.KindNK1, initPayload(e.client, time.Now()))
			m[1], m[2] = 0, wire.NK1Len
			return send(m)
		}, ErrDecrypt},
		{"IK msg1 with NK kind byte", func(t *testing.T, e *negEnv) attack {
			m := e.honestIK1(t)
			m[0] = byte(wire.KindNK1)
			return send(m)
		}, wire.ErrLength},
		{"v1 initiator (version 1 in prologue)", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawIK(prologueWith(ProtocolName, 1, testNet)).msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt},
		{"NK v1 initiator (version 1 in prologue)", func(t *testing.T, e *negEnv) attack {
			r := e.rawNK()
			r.prologue = prologueWith(ProtocolName, 1, testNet)
			m, _ := r.msg1(t, wire.KindNK1, nil)
			return send(m)
		}, ErrDecrypt},
		{"future version in prologue", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawIK(prologueWith(ProtocolName, Version+1, testNet)).msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt},
		{"wrong network ID", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawIK(prologueWith(ProtocolName, Version, [32]byte{9})).msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt},
		{"wrong protocol name", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawIK(prologueWith("warren-lynk", Version, testNet)).msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt},
		{"wrong responder key", func(t *testing.T, e *negEnv) attack {
			r := e.rawIK(prologue(testNet))
			ok := e.other.remote().LinkKey
			r.peerStatic = ok[:]
			m, _ := r.msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt},
		{"NK wrong responder key", func(t *testing.T, e *negEnv) attack {
			r := e.rawNK()
			ok := e.other.remote().LinkKey
			r.peerStatic = ok[:]
			m, _ := r.msg1(t, wire.KindNK1, nil)
			return send(m)
		}, ErrDecrypt},
		{"tampered encrypted static", func(t *testing.T, e *negEnv) attack { return send(flip(e.honestIK1(t), 3+40)) }, ErrDecrypt},
		{"tampered payload tag", func(t *testing.T, e *negEnv) attack { return send(flip(e.honestIK1(t), 3+wire.IK1Len-1)) }, ErrDecrypt},
		{"tampered clear ephemeral", func(t *testing.T, e *negEnv) attack { return send(flip(e.honestIK1(t), 3+5)) }, ErrDecrypt},
		{"bad identity signature", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.client.nodeKey, testNet, e.client.remote().LinkKey)
			c.Sig[10] ^= 0x80
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, ErrBadCert},
		{"cert signed by another node", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.other.nodeKey, testNet, e.client.remote().LinkKey)
			c.Node = e.client.id
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, ErrBadCert},
		{"cert link key is not Noise static", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.client.nodeKey, testNet, e.other.remote().LinkKey)
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, ErrBadCert},
		{"cert for another network", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.client.nodeKey, [32]byte{7}, e.client.remote().LinkKey)
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, ErrBadCert},
		{"cert with zero node key", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.client.nodeKey, testNet, e.client.remote().LinkKey)
			c.Node = [32]byte{}
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, wire.ErrNodeKey},
		{"cert with small-order node key (forged signature)", func(t *testing.T, e *negEnv) attack {
			return stall(e.ik1(t, initPayloadCert(forgedSmallOrderCert(), uint64(time.Now().UnixNano()))))
		}, wire.ErrNodeKey},
		{"initiator claims responder's identity", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.server.nodeKey, testNet, e.client.remote().LinkKey)
			return send(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano()))))
		}, ErrPeerIdentity},
		{"zero timestamp", func(t *testing.T, e *negEnv) attack {
			c := signCert(e.client.nodeKey, testNet, e.client.remote().LinkKey)
			return send(e.ik1(t, initPayloadCert(c, 0)))
		}, wire.ErrTimestamp},
		{"stale timestamp", func(t *testing.T, e *negEnv) attack {
			return send(e.ik1(t, initPayload(e.client, time.Now().Add(-DefaultReplayWindow-time.Minute))))
		}, ErrStale},
		{"future timestamp", func(t *testing.T, e *negEnv) attack {
			return send(e.ik1(t, initPayload(e.client, time.Now().Add(DefaultReplayWindow+time.Minute))))
		}, ErrStale},
		{"timestamp beyond the future tolerance", func(t *testing.T, e *negEnv) attack {
			return send(e.ik1(t, initPayload(e.client, time.Now().Add(DefaultReplayFuture+5*time.Second))))
		}, ErrStale},
		{"timestamp before guard start (replay across restart)", func(t *testing.T, e *negEnv) attack {
			m := e.ik1(t, initPayload(e.client, time.Now().Add(-time.Second)))
			e.guard = NewReplayGuard(ReplayConfig{}) // the responder restarts
			return send(m)
		}, ErrReplay},
		{"replayed msg1 once", func(t *testing.T, e *negEnv) attack {
			m := e.honestIK1(t)
			e.mustAccept(t, m)
			return send(m)
		}, ErrReplay},
		{"older msg1 after a newer one", func(t *testing.T, e *negEnv) attack {
			old := e.ik1(t, initPayload(e.client, time.Now()))
			e.mustAccept(t, e.ik1(t, initPayload(e.client, time.Now().Add(time.Second))))
			return send(old)
		}, ErrReplay},
		{"rate limit exceeded", func(t *testing.T, e *negEnv) attack {
			for i := 0; i < DefaultReplayBurst; i++ {
				e.mustAccept(t, e.honestIK1(t))
			}
			return send(e.honestIK1(t))
		}, ErrRateLimited},
		{"low-order static (zero)", func(t *testing.T, e *negEnv) attack { return send(e.lowStatic(t, "zero")) }, ErrDecrypt},
		{"low-order static (order 8)", func(t *testing.T, e *negEnv) attack { return send(e.lowStatic(t, "order8b")) }, ErrDecrypt},
		{"truncated NK msg1 at 30", func(t *testing.T, e *negEnv) attack {
			m, _ := e.rawNK().msg1(t, wire.KindNK1, nil)
			return send(m[:30])
		}, io.ErrUnexpectedEOF},
	}
	for _, n := range []int{1, 2, 3, 4, 35, 100, 3 + wire.IK1Len - 1} {
		cs = append(cs, respCase{"truncated IK msg1 at " + itoa(n) + " then EOF", func(t *testing.T, e *negEnv) attack {
			return send(e.honestIK1(t)[:n])
		}, io.ErrUnexpectedEOF})
	}
	for _, n := range []int{2, 150} {
		cs = append(cs, respCase{"truncated IK msg1 at " + itoa(n) + " then stall", func(t *testing.T, e *negEnv) attack {
			return stall(e.honestIK1(t)[:n])
		}, os.ErrDeadlineExceeded})
	}
	for _, name := range []string{"zero", "one", "order8a", "order8b", "p-minus1", "p"} {
		cs = append(cs, respCase{"low-order IK ephemeral (" + name + ")", func(t *testing.T, e *negEnv) attack {
			r := e.rawIK(prologue(testNet))
			r.ephPub = lowOrderKey(name)
			m, _ := r.msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
			return send(m)
		}, ErrDecrypt})
	}
	for _, name := range []string{"zero", "order8a"} {
		cs = append(cs, respCase{"low-order NK ephemeral (" + name + ")", func(t *testing.T, e *negEnv) attack {
			r := e.rawNK()
			r.ephPub = lowOrderKey(name)
			m, _ := r.msg1(t, wire.KindNK1, nil)
			return send(m)
		}, ErrDecrypt})
	}
	return cs
}

func itoa(n int) string {
	return string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

// lowStatic is an IK msg1 whose (encrypted) static key is a low-order
// point, with an honest-looking payload.
func (e *negEnv) lowStatic(t *testing.T, name string) []byte {
	r := e.rawIK(prologue(testNet))
	priv := make([]byte, 32)
	rand.Read(priv)
	r.static = noise.DHKey{Private: priv, Public: lowOrderKey(name)}
	m, _ := r.msg1(t, wire.KindIK1, initPayload(e.client, time.Now()))
	return m
}

// mustAccept runs an honest acceptance of msg1 (the setup of replay cases).
func (e *negEnv) mustAccept(t *testing.T, msg1 []byte) {
	t.Helper()
	if _, err, _ := e.acceptUnder(t, stall(msg1)); err != nil {
		t.Fatalf("setup accept: %v", err)
	}
}

func TestNegativeResponder(t *testing.T) {
	for _, c := range respCases() {
		t.Run(c.name, func(t *testing.T) {
			e := newNegEnv(t)
			a := c.build(t, e)
			before := e.guard.Stats().Accepted
			l, err, closed := e.acceptUnder(t, a)
			checkRefused(t, l, err, closed, c.want)
			if got := e.guard.Stats().Accepted; got != before {
				t.Errorf("replay guard admitted %d handshakes", got-before)
			}
		})
	}
}

func checkRefused(t *testing.T, l *Link, err error, closed bool, want error) {
	t.Helper()
	if l != nil {
		t.Fatal("session established")
	}
	if err == nil || !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
	if !closed {
		t.Error("conn not closed")
	}
}

func TestReplay100(t *testing.T) {
	e := newNegEnv(t)
	m := e.honestIK1(t)
	e.mustAccept(t, m)
	for i := 0; i < 100; i++ {
		l, err, closed := e.acceptUnder(t, send(m))
		checkRefused(t, l, err, closed, ErrReplay)
	}
	if s := e.guard.Stats(); s.Accepted != 1 || s.Replayed != 100 {
		t.Fatalf("guard stats %+v, want 1 accepted, 100 replayed", s)
	}
}

func TestReplayAfterRestartWithinWindow(t *testing.T) {
	e := newNegEnv(t)
	m := e.honestIK1(t)
	e.mustAccept(t, m)
	time.Sleep(2 * time.Millisecond)
	e.guard = NewReplayGuard(ReplayConfig{}) // restart: empty table
	for i := 0; i < 10; i++ {
		l, err, closed := e.acceptUnder(t, send(m))
		checkRefused(t, l, err, closed, ErrReplay)
	}
}

func TestNegativeMatrixSize(t *testing.T) {
	if n := len(respCases()) + len(initCases()); n < 30 {
		t.Fatalf("negative matrix has %d cases, want >= 30", n)
	}
	t.Logf("negative matrix: %d responder + %d initiator cases", len(respCases()), len(initCases()))
}

// A second msg1 on the same conn arrives after the handshake: the link
// must close on it without delivering anything.
func TestDuplicateMsg1SameConn(t *testing.T) {
	e := newNegEnv(t)
	m := e.honestIK1(t)
	c1, c2 := net.Pipe()
	go func() {
		c1.Write(m)
		var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
		readEnvelope(c1, &buf)
		c1.Write(bytes.Repeat(m, 3))
		c1.Close()
	}()
	l, err := Accept(context.Background(), c2, e.scfg, e.guard)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The bytes unmask to a random header: refused as such, or by the AEAD.
	if p, err := l.Recv(); err == nil || !(errors.Is(err, ErrDecrypt) || errors.Is(err, ErrProtocol)) {
		t.Fatalf("Recv = %q, %v; want ErrDecrypt or ErrProtocol", p, err)
	}
	if l.Err() == nil {
		t.Fatal("link still up")
	}
}
