package handshake

import (
	"bytes"
	"testing"
)

// fuzzClient is a client handshake made from a fixed seed, so a fuzz
// iteration can remake the same pending state.
func fuzzClient(t testing.TB, e *env, seed byte) (*Client, []byte) {
	t.Helper()
	c, msg, err := NewClient(testNet, pub(e.cur), testEpoch, t0, bytes.NewReader(seeded(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return c, msg
}

// fuzzEnv is a relay whose Rand and clock are fixed, so a fuzz iteration
// can make a fresh, identical Server.
func fuzzEnv(t testing.TB) *env {
	return newEnv(t, func(c *ServerConfig) { c.Rand = newDRBG("fuzz relay") })
}

var refusals = map[error]bool{
	ErrMalformed: true, ErrUnknownKey: true, ErrDecrypt: true, ErrStale: true,
}

// FuzzRespond: no input panics; a refusal is one of the sentinels with no
// output; a success is only ever one of the genuine client messages, and
// then the client derives the same keys, and a second Respond is a replay.
func FuzzRespond(f *testing.F) {
	e := fuzzEnv(f)
	const clients = 4
	genuine := map[string]byte{}
	for seed := range byte(clients) {
		_, msg := fuzzClient(f, e, seed)
		genuine[string(msg)] = seed
		f.Add(msg, uint16(keyLen))
		f.Add(flip(msg, offTag, 0), uint16(32))
		f.Add(msg[:ClientMsgLen-1], uint16(32))
	}
	for _, tc := range serverCases() {
		if tc.want != nil { // the control is valid but made by no Client
			f.Add(tc.msg(f, e), uint16(keyLen))
		}
	}
	for _, v := range loadVectors(f).Vectors {
		f.Add(unhex(f, v.ClientMsg), uint16(v.KeyLen))
	}
	f.Fuzz(func(t *testing.T, msg []byte, n uint16) {
		e := fuzzEnv(t)
		kl := int(n % (MaxKeyLen + 64))
		reply, keys, b, err := e.srv.Respond(msg, kl)
		if err != nil {
			if reply != nil || keys != nil || b != ([32]byte{}) {
				t.Fatal("refusal returned output")
			}
			if !refusals[err] && !(err == ErrConfig && !validKeyLen(kl)) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		seed, ok := genuine[string(msg)]
		if !ok {
			t.Fatalf("accepted a message no client made: %x", msg)
		}
		c, _ := fuzzClient(t, e, seed)
		ckeys, cb, err := c.Finish(reply, kl)
		if err != nil || !bytes.Equal(ckeys, keys) || cb != b {
			t.Fatalf("client disagrees: %v", err)
		}
		if _, _, _, err := e.srv.Respond(msg, kl); err != ErrReplay {
			t.Fatalf("second Respond: %v", err)
		}
	})
}

// FuzzFinish: no reply panics Finish; a refusal returns nothing; a success
// is only the relay's genuine reply, with the relay's keys.
func FuzzFinish(f *testing.F) {
	e := fuzzEnv(f)
	_, msg := fuzzClient(f, e, 1)
	genuine, want, wantB, err := e.srv.Respond(msg, keyLen)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(genuine)
	f.Add(flip(genuine, 0, 0))
	f.Add(flip(genuine, ServerMsgLen-1, 7))
	f.Add(genuine[:ServerMsgLen-1])
	f.Add(append(bytes.Clone(genuine), 0))
	f.Add(make([]byte, ServerMsgLen))
	for name := range lowOrder {
		f.Add(permissiveRespond(f, e, msg, lowOrderKey(name)))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		c, _ := fuzzClient(t, e, 1)
		keys, b, err := c.Finish(reply, keyLen)
		if err != nil {
			if keys != nil || b != ([32]byte{}) || (err != ErrMalformed && err != ErrDecrypt) {
				t.Fatalf("refusal: %v", err)
			}
			return
		}
		if !bytes.Equal(reply, genuine) || !bytes.Equal(keys, want) || b != wantB {
			t.Fatalf("accepted a reply the relay did not make: %x", reply)
		}
	})
}
