package handshake

import (
	"bytes"
	"crypto/rand"
	"math"
	"testing"
	"time"
)

// Offsets in a client message.
const (
	offEph    = 4
	offSealed = offEph + 32
	offTag    = offSealed + tsLen
)

type serverCase struct {
	name string
	msg  func(t testing.TB, e *env) []byte
	want error
}

func honest(t testing.TB, e *env) []byte { return honestMsg1(e).build(t) }

func withMsg1(f func(m *msg1)) func(t testing.TB, e *env) []byte {
	return func(t testing.TB, e *env) []byte {
		m := honestMsg1(e)
		f(&m)
		return m.build(t)
	}
}

func flipped(i int, bit uint) func(t testing.TB, e *env) []byte {
	return func(t testing.TB, e *env) []byte { return flip(honest(t, e), i, bit) }
}

func serverCases() []serverCase {
	cs := []serverCase{
		{"control: honest hand-made message", honest, nil},
		{"wrong onion key", withMsg1(func(m *msg1) { m.key = pub(onionKey(0x99)) }), ErrDecrypt},
		{"previous epoch's key under the current epoch", withMsg1(func(m *msg1) { m.key = pub(onionKey(0x10)) }), ErrDecrypt},
		{"unknown epoch", withMsg1(func(m *msg1) { m.epoch, m.prologueEpoch = testEpoch+1, testEpoch+1 }), ErrUnknownKey},
		{"epoch field differs from the prologue", withMsg1(func(m *msg1) { m.prologueEpoch = testEpoch - 1 }), ErrDecrypt},
		{"wrong network ID", withMsg1(func(m *msg1) { m.net = otherNet }), ErrDecrypt},
		{"one byte too long", func(t testing.TB, e *env) []byte { return append(honest(t, e), 0) }, ErrMalformed},
		{"empty", func(testing.TB, *env) []byte { return nil }, ErrMalformed},
		{"flipped bit in epoch (to an unknown one)", flipped(0, 7), ErrUnknownKey},
		{"flipped bit in epoch (to the previous one)", flipped(3, 0), ErrDecrypt},
		{"flipped bit in e", flipped(offEph, 0), ErrDecrypt},
		{"flipped top bit of e (ignored by X25519)", flipped(offSealed-1, 7), ErrDecrypt},
		{"flipped bit in sealed timestamp", flipped(offSealed+3, 2), ErrDecrypt},
		{"flipped bit in tag", flipped(offTag+15, 7), ErrDecrypt},
		{"all zeros", func(testing.TB, *env) []byte { return make([]byte, ClientMsgLen) }, ErrUnknownKey},
		{"stale: window + 1 s old", withMsg1(func(m *msg1) { m.ts -= uint64(DefaultWindow/time.Second) + 1 }), ErrStale},
		{"stale: window + 1 s ahead", withMsg1(func(m *msg1) { m.ts += uint64(DefaultWindow/time.Second) + 1 }), ErrStale},
		{"stale: timestamp 0", withMsg1(func(m *msg1) { m.ts = 0 }), ErrStale},
		{"stale: timestamp 2^64-1", withMsg1(func(m *msg1) { m.ts = math.MaxUint64 }), ErrStale},
		{"stale: timestamp 2^63", withMsg1(func(m *msg1) { m.ts = 1 << 63 }), ErrStale},
	}
	for _, name := range []string{"zero", "one", "order8a", "order8b", "p-1", "p", "p+1", "order8a+2^255", "zero+2^255"} {
		cs = append(cs, serverCase{"low-order ephemeral " + name, withMsg1(func(m *msg1) { m.eph = lowOrderKey(name) }), ErrDecrypt})
	}
	return cs
}

func TestRespondNegative(t *testing.T) {
	for _, tc := range serverCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			msg := tc.msg(t, e)
			reply, keys, b, err := e.srv.Respond(msg, keyLen)
			if err != tc.want {
				t.Fatalf("Respond: %v, want %v", err, tc.want)
			}
			st := e.srv.Stats()
			if err == nil {
				if len(reply) != ServerMsgLen || len(keys) != keyLen || st.Accepted != 1 || st.Entries != 1 {
					t.Fatalf("control: reply %d keys %d stats %+v", len(reply), len(keys), st)
				}
				return
			}
			if reply != nil || keys != nil || b != ([32]byte{}) {
				t.Fatal("refusal returned output")
			}
			if st.Accepted != 0 || st.Entries != 0 || counted(st, err) != 1 {
				t.Fatalf("stats after refusal: %+v", st)
			}
		})
	}
}

// counted returns the Stats counter that err increments.
func counted(st Stats, err error) uint64 {
	return map[error]uint64{
		ErrMalformed: st.Malformed, ErrUnknownKey: st.UnknownKey, ErrDecrypt: st.Decrypt,
		ErrStale: st.Stale, ErrReplay: st.Replays, ErrBusy: st.Busy,
	}[err]
}

// The low-order messages are otherwise well formed: a relay whose DH does
// not refuse an all-zero result reads them. Ours must refuse them.
func TestLowOrderWouldFoolPermissiveRelay(t *testing.T) {
	e := newEnv(t)
	for name := range lowOrder {
		m := honestMsg1(e)
		m.eph = lowOrderKey(name)
		msg := m.build(t)
		permissiveRespond(t, e, msg, nil) // fails the test if unreadable
		if _, _, _, err := e.srv.Respond(msg, 32); err != ErrDecrypt {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRespondEveryPrefix(t *testing.T) {
	e := newEnv(t)
	msg := honest(t, e)
	for n := range len(msg) {
		if _, _, _, err := e.srv.Respond(msg[:n], keyLen); err != ErrMalformed {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
	if st := e.srv.Stats(); st.Malformed != ClientMsgLen || st.Entries != 0 {
		t.Fatalf("stats %+v", st)
	}
	if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
		t.Fatalf("whole message after its prefixes: %v", err)
	}
}

// With one key serving two epochs (which identity.Keyring never does), the
// epoch field is still authenticated: changing it fails to decrypt rather
// than slipping a replay past the (epoch, key) cache.
func TestEpochAuthenticated(t *testing.T) {
	e := newEnv(t, func(c *ServerConfig) {
		k := onionKey(0x11)
		c.Keys = keyring{testEpoch: k, testEpoch - 1: k}.lookup
	})
	msg := honest(t, e)
	if _, _, _, err := e.srv.Respond(msg, 32); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.srv.Respond(flip(msg, 3, 0), 32); err != ErrDecrypt {
		t.Fatalf("replay under the other epoch: %v", err)
	}
}

type clientCase struct {
	name  string
	reply func(t *testing.T, e *env, msg, reply []byte) []byte
	want  error
}

func clientCases() []clientCase {
	fl := func(i int, bit uint) func(*testing.T, *env, []byte, []byte) []byte {
		return func(_ *testing.T, _ *env, _, r []byte) []byte { return flip(r, i, bit) }
	}
	cs := []clientCase{
		{"control: the relay's reply", func(_ *testing.T, _ *env, _, r []byte) []byte { return r }, nil},
		{"control: a correct permissive relay's reply", func(t *testing.T, e *env, m, _ []byte) []byte {
			return permissiveRespond(t, e, m, nil)
		}, nil},
		{"one byte too long", func(_ *testing.T, _ *env, _, r []byte) []byte { return append(r, 0) }, ErrMalformed},
		{"empty", func(*testing.T, *env, []byte, []byte) []byte { return nil }, ErrMalformed},
		{"all zeros", func(*testing.T, *env, []byte, []byte) []byte { return make([]byte, ServerMsgLen) }, ErrDecrypt},
		{"flipped bit in e", fl(0, 0), ErrDecrypt},
		{"flipped top bit of e", fl(31, 7), ErrDecrypt},
		{"flipped bit in tag", fl(ServerMsgLen-1, 0), ErrDecrypt},
		{"reply meant for another client", func(t *testing.T, e *env, _, _ []byte) []byte {
			_, other := e.client(t, t0)
			r, _, _, err := e.srv.Respond(other, keyLen)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, ErrDecrypt},
	}
	for _, name := range []string{"zero", "order8a", "order8b", "p", "one"} {
		cs = append(cs, clientCase{"low-order relay ephemeral " + name, func(t *testing.T, e *env, m, _ []byte) []byte {
			return permissiveRespond(t, e, m, lowOrderKey(name))
		}, ErrDecrypt})
	}
	return cs
}

func TestFinishNegative(t *testing.T) {
	for _, tc := range clientCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c, msg := e.client(t, t0)
			reply, _, _, err := e.srv.Respond(bytes.Clone(msg), keyLen)
			if err != nil {
				t.Fatal(err)
			}
			keys, b, err := c.Finish(tc.reply(t, e, msg, reply), keyLen)
			if err != tc.want {
				t.Fatalf("Finish: %v, want %v", err, tc.want)
			}
			if err != nil && (keys != nil || b != ([32]byte{})) {
				t.Fatal("refusal returned output")
			}
			if err == nil && len(keys) != keyLen {
				t.Fatalf("%d key bytes", len(keys))
			}
		})
	}
}

func TestFinishEveryPrefix(t *testing.T) {
	e := newEnv(t)
	_, msg := e.client(t, t0)
	reply, _, _, err := e.srv.Respond(msg, keyLen)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(reply) {
		c, _, err := NewClient(testNet, pub(e.cur), testEpoch, t0, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Finish(reply[:n], keyLen); err != ErrMalformed {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
}

// Error strings are the fixed sentinels: no key, epoch or time in them.
func TestErrorStrings(t *testing.T) {
	for _, err := range []error{ErrConfig, ErrMalformed, ErrUnknownKey, ErrDecrypt, ErrStale, ErrReplay, ErrBusy, ErrUsed} {
		s := err.Error()
		if len(s) < len("handshake: ") || s[:len("handshake: ")] != "handshake: " || bytes.ContainsAny([]byte(s), "0123456789") {
			t.Errorf("%q", s)
		}
	}
}
