package ratchet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"testing/cryptotest"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

func TestHybridTamperChangesSecret(t *testing.T) {
	keys, err := NewInviteKeys(detRand(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []int{0, 17, 31, keySize, keySize + 500, InitMsgSize - 1} {
		a, msg, err := Initiate(keys.Public(), detRand(2))
		if err != nil {
			t.Fatal(err)
		}
		raw := msg.Bytes()
		raw[pos] ^= 0x01
		bad, err := ParseInitMsg(raw)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Respond(keys, bad, detRand(3))
		if err != nil {
			continue // a rejected handshake is also fine
		}
		if _, err := b.Decrypt(mustEncrypt(t, a, "x"), []byte("ad")); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("flip at %d: responder still agrees (err %v)", pos, err)
		}
	}
}

func TestWrongInviteKeys(t *testing.T) {
	k1, _ := NewInviteKeys(detRand(1))
	k2, _ := NewInviteKeys(detRand(11))
	a, msg, err := Initiate(k1.Public(), detRand(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Respond(k2, msg, detRand(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Decrypt(mustEncrypt(t, a, "x"), []byte("ad")); err == nil {
		t.Fatal("wrong invitation keys agreed")
	}
}

func TestHandshakeInputChecks(t *testing.T) {
	keys, _ := NewInviteKeys(detRand(1))
	pub := keys.Public()
	var zero InvitePublic
	zero.KEM = pub.KEM
	if _, _, err := Initiate(zero, detRand(2)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("all-zero X25519 point: err = %v", err)
	}
	raw := pub.Bytes()
	for _, n := range []int{0, InvitePublicSize - 1, InvitePublicSize + 1} {
		b := make([]byte, n)
		copy(b, raw)
		if _, err := ParseInvitePublic(b); err == nil {
			t.Fatalf("invite public of %d bytes accepted", n)
		}
	}
	for i := keySize; i < keySize+2; i++ { // coefficients >= q are not canonical
		bad := bytes.Clone(raw)
		bad[i], bad[i+1] = 0xff, 0xff
		if _, err := ParseInvitePublic(bad); err == nil {
			t.Fatal("non-canonical ML-KEM key accepted")
		}
	}
	if p, err := ParseInvitePublic(raw); err != nil || p != pub {
		t.Fatalf("round trip: %v", err)
	}
	for _, n := range []int{0, InitMsgSize - 1, InitMsgSize + 1} {
		if _, err := ParseInitMsg(make([]byte, n)); err == nil {
			t.Fatalf("init msg of %d bytes accepted", n)
		}
	}
	var lowOrder InitMsg // all-zero ephemeral: DH output is zero
	if _, err := Respond(keys, lowOrder, detRand(3)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero ephemeral: err = %v", err)
	}
	kb, _ := keys.MarshalBinary()
	k2, err := ParseInviteKeys(kb)
	if err != nil || k2.Public() != pub {
		t.Fatalf("invite keys round trip: %v", err)
	}
	if _, err := ParseInviteKeys(kb[1:]); err == nil {
		t.Fatal("short invite keys accepted")
	}
}

// vector is one known-answer handshake plus a first exchange. All
// randomness comes from ChaCha8 readers seeded with 1, 2, 3 and
// cryptotest.SetGlobalRandom(seed 1) for ML-KEM encapsulation.
type vector struct {
	Comment      string `json:"comment"`
	InviteKeys   string `json:"invite_keys"`
	InvitePublic string `json:"invite_public"`
	InitMsg      string `json:"init_msg"`
	AD           string `json:"ad"`
	Msg1         string `json:"msg1"`
	Plain1       string `json:"plain1"`
	Reply1       string `json:"reply1"`
	PlainReply1  string `json:"plain_reply1"`
	Expect       string `json:"expect"`
}

func makeVector(t *testing.T) vector {
	cryptotest.SetGlobalRandom(t, 1)
	keys, _ := NewInviteKeys(detRand(1))
	kb, _ := keys.MarshalBinary()
	pub := keys.Public()
	a, msg, err := Initiate(pub, detRand(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Respond(keys, msg, detRand(3))
	if err != nil {
		t.Fatal(err)
	}
	m1 := mustEncrypt(t, a, "hello, warren")
	mustDecrypt(t, b, m1, "hello, warren")
	r1 := mustEncrypt(t, b, "hello back")
	mustDecrypt(t, a, r1, "hello back")
	return vector{
		Comment:    "ChaCha8 readers: invite keys seed 1, acceptor seed 2, inviter seed 3; ML-KEM: cryptotest.SetGlobalRandom(1)",
		InviteKeys: hex.EncodeToString(kb), InvitePublic: hex.EncodeToString(pub.Bytes()),
		InitMsg: hex.EncodeToString(msg.Bytes()), AD: hex.EncodeToString([]byte("ad")),
		Msg1: hex.EncodeToString(m1), Plain1: "hello, warren",
		Reply1: hex.EncodeToString(r1), PlainReply1: "hello back", Expect: "success",
	}
}

func TestKnownAnswerVectors(t *testing.T) {
	path := filepath.Join("testdata", "vectors.json")
	got := makeVector(t)
	if *update {
		bad := got
		m1, _ := hex.DecodeString(got.Msg1)
		m1[len(m1)-1] ^= 1
		bad.Comment, bad.Msg1, bad.Expect = "as above, last tag byte of msg1 flipped", hex.EncodeToString(m1), "failure"
		b, _ := json.MarshalIndent([]vector{got, bad}, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil || len(vs) == 0 {
		t.Fatalf("vectors: %v", err)
	}
	if vs[0] != got {
		t.Fatal("implementation output differs from testdata/vectors.json (run with -update only if the change is intended)")
	}
	for _, v := range vs {
		checkVectorDecrypts(t, v)
	}
}

// checkVectorDecrypts replays the inviter's side from the stored bytes
// alone, independent of any randomness in the acceptor's side.
func checkVectorDecrypts(t *testing.T, v vector) {
	kb, _ := hex.DecodeString(v.InviteKeys)
	im, _ := hex.DecodeString(v.InitMsg)
	m1, _ := hex.DecodeString(v.Msg1)
	ad, _ := hex.DecodeString(v.AD)
	keys, err := ParseInviteKeys(kb)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := ParseInitMsg(im)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Respond(keys, msg, detRand(3))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := b.Decrypt(m1, ad)
	if (err == nil) != (v.Expect == "success") || (err == nil && string(pt) != v.Plain1) {
		t.Fatalf("vector: got %q, %v; expect %s", pt, err, v.Expect)
	}
}
