package ratchet

import "testing"

// R11, forward secrecy: after the conversation, dumps of both states open
// none of the delivered messages.
func TestForwardSecrecyR11(t *testing.T) {
	a, b := pair(t)
	type rec struct {
		to  *Session
		msg []byte
	}
	var seen []rec
	send := func(from, to *Session, text string, deliver bool) []byte {
		m := mustEncrypt(t, from, text)
		if deliver {
			mustDecrypt(t, to, m, text)
			seen = append(seen, rec{to, m})
		}
		return m
	}
	late := send(a, b, "late", false)
	for i := range 10 {
		send(a, b, msgText(i), true)
		send(b, a, msgText(i), true)
		send(b, a, msgText(i+100), true)
	}
	mustDecrypt(t, b, late, "late") // out of order: from the skipped store
	seen = append(seen, rec{b, late})
	dumps := map[*Session][]byte{a: dump(t, a), b: dump(t, b)}
	for i, r := range seen {
		for _, d := range dumps {
			s, err := UnmarshalSession(d, detRand(42))
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := s.Decrypt(r.msg, []byte("ad")); err == nil {
				t.Fatalf("message %d readable from a dumped state: %q", i, pt)
			}
		}
	}
}

// R11, post-compromise: an attacker holding B's dumped state loses access
// once B has sent a fresh DH key and A has ratcheted on it.
func TestPostCompromiseR11(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, "hello"), "hello")
	mustDecrypt(t, a, mustEncrypt(t, b, "hi"), "hi")
	stolen := dump(t, b)
	attacker, err := UnmarshalSession(stolen, detRand(66))
	if err != nil {
		t.Fatal(err)
	}
	// Before healing the compromise is real: the attacker reads a1.
	a1 := mustEncrypt(t, a, "a1")
	mustDecrypt(t, attacker, a1, "a1")
	mustDecrypt(t, b, a1, "a1")
	// B ratchets with a fresh DH key, A receives it and ratchets in turn.
	mustDecrypt(t, a, mustEncrypt(t, b, "b1"), "b1")
	var after [][]byte
	for i := range 5 {
		after = append(after, mustEncrypt(t, a, msgText(i)))
	}
	fresh, err := UnmarshalSession(stolen, detRand(67))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range after {
		for _, s := range []*Session{attacker, fresh} {
			if pt, err := s.Decrypt(m, []byte("ad")); err == nil {
				t.Fatalf("attacker read post-healing message %d: %q", i, pt)
			}
		}
		mustDecrypt(t, b, m, msgText(i))
	}
}
