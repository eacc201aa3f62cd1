package invite

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

// TestInvitationFlow runs the whole exchange as the two parties would,
// with the mailbox reduced to handing bytes over.
func TestInvitationFlow(t *testing.T) {
	// Inviter: keys, blob, short invitation.
	keys := inviteKeys(t)
	inv := sampleInvitation()
	blob := Blob{Public: keys.Public(), Queues: []envelope.QueueAddr{qa(1), qa(2)}, Name: "Bob", Expires: expiry}
	sealedBlob, err := SealBlob(inv.Key, blob, detRand(20))
	if err != nil {
		t.Fatal(err)
	}
	// Acceptor: parse the text, open the blob, answer.
	got, err := Parse(inv.String())
	if err != nil {
		t.Fatal(err)
	}
	b2, err := OpenBlob(got.Key, sealedBlob)
	if err != nil {
		t.Fatal(err)
	}
	alice, initMsg, err := ratchet.Initiate(b2.Public, detRand(21))
	if err != nil {
		t.Fatal(err)
	}
	hello := envelope.Hello{Name: "Alice", Queues: []envelope.QueueAddr{qa(7)}}
	first := encryptPayload(t, alice, hello)
	req, err := SealRequest(got.Key, initMsg, first, detRand(22))
	if err != nil {
		t.Fatal(err)
	}
	if len(req) != RequestSize {
		t.Fatalf("request is %d bytes, want %d", len(req), RequestSize)
	}
	// Inviter: open the request, finish the handshake, read the Hello.
	m, firstBack, err := OpenRequest(inv.Key, req)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ratchet.Respond(keys, m, detRand(23))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := bob.Decrypt(firstBack, nil)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := envelope.Unpad(pt)
	if err != nil {
		t.Fatal(err)
	}
	p, err := envelope.Decode(inner)
	if err != nil || !reflect.DeepEqual(p, hello) {
		t.Fatalf("inviter read %v, %v; want the Hello", p, err)
	}
}

func encryptPayload(t testing.TB, s *ratchet.Session, p envelope.Payload) []byte {
	t.Helper()
	b, err := envelope.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	padded, err := envelope.Pad(b)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := s.Encrypt(padded, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func sampleInitMsg() ratchet.InitMsg {
	var m ratchet.InitMsg
	fill(30, m.Ephemeral[:])
	fill(31, m.Ciphertext[:])
	return m
}

func TestRequestSizes(t *testing.T) {
	key := sampleInvitation().Key
	for _, c := range []struct{ first, env int }{
		{envelope.Sizes[0], envelope.Sizes[1]},
		{envelope.Sizes[1], envelope.Sizes[2]},
	} {
		first := bytes.Repeat([]byte{0x33}, c.first)
		env, err := SealRequest(key, sampleInitMsg(), first, detRand(1))
		if err != nil || len(env) != c.env {
			t.Fatalf("first %d: request %d bytes, %v; want %d", c.first, len(env), err, c.env)
		}
		m, back, err := OpenRequest(key, env)
		if err != nil || m != sampleInitMsg() || !bytes.Equal(back, first) {
			t.Fatalf("first %d: OpenRequest: %v", c.first, err)
		}
	}
	for _, n := range []int{0, ratchet.MinMessageSize, envelope.Sizes[0] - 1, envelope.Sizes[2]} {
		if _, err := SealRequest(key, sampleInitMsg(), make([]byte, n), detRand(1)); err == nil {
			t.Errorf("first of %d bytes accepted", n)
		}
	}
}

func TestOpenRequestRejects(t *testing.T) {
	key := sampleInvitation().Key
	env, _ := SealRequest(key, sampleInitMsg(), make([]byte, envelope.Sizes[0]), detRand(1))
	blob, _ := SealBlob(key, sampleBlob(t), detRand(2))
	// Well-sealed requests with bad content, sealed through the same path.
	sealed := func(content []byte) []byte {
		e, err := seal(&key, labelRequest, content, detRand(3))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	im := sampleInitMsg()
	initB := im.Bytes()
	good := append(append([]byte{Version}, initB...), make([]byte, envelope.Sizes[0])...)
	v2 := bytes.Clone(good)
	v2[0] = 2
	otherKey := key
	otherKey[0] ^= 1
	for _, c := range []struct {
		name string
		key  [32]byte
		env  []byte
		want error
	}{
		{"blob under the same key", key, blob, ErrDecrypt},
		{"wrong key", otherKey, env, ErrDecrypt},
		{"truncated", key, env[:len(env)-1], ErrMalformed},
		{"version 2", key, sealed(v2), ErrVersion},
		{"no first", key, sealed(good[:1+ratchet.InitMsgSize]), ErrMalformed},
		{"first not an envelope size", key, sealed(good[:len(good)-1]), ErrMalformed},
		{"short init", key, sealed(good[:100]), ErrMalformed},
		{"empty content", key, sealed(nil), ErrMalformed},
	} {
		if m, first, err := OpenRequest(c.key, c.env); !errors.Is(err, c.want) || first != nil || m != (ratchet.InitMsg{}) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	if got, _, err := OpenRequest(key, sealed(good)); err != nil || got != sampleInitMsg() {
		t.Fatalf("control case failed: %v", err)
	}
}
