package ratchet

import (
	"bytes"
	"testing"
)

// fuzzReceiver returns B's marshalled state after an exchange, plus the
// messages B has already consumed (replays: they must fail too).
func fuzzReceiver(t testing.TB) (state []byte, consumed [][]byte) {
	a, b := pair(t)
	for i := range 3 {
		m := mustEncrypt(t, a, msgText(i))
		mustDecrypt(t, b, m, msgText(i))
		consumed = append(consumed, m)
		mustDecrypt(t, a, mustEncrypt(t, b, "r"), "r")
	}
	skippedLater := mustEncrypt(t, a, "s")
	m := mustEncrypt(t, a, "t")
	mustDecrypt(t, b, m, "t")
	mustDecrypt(t, b, skippedLater, "s")
	return dump(t, b), append(consumed, m, skippedLater)
}

func FuzzDecrypt(f *testing.F) {
	st, consumed := fuzzReceiver(f)
	for _, m := range consumed {
		f.Add(m, []byte("ad"))
	}
	f.Add(make([]byte, MinMessageSize), []byte(nil))
	f.Fuzz(func(t *testing.T, msg, ad []byte) {
		s, err := UnmarshalSession(st, detRand(5))
		if err != nil {
			t.Fatal(err)
		}
		pt, err := s.Decrypt(msg, ad)
		if err == nil || pt != nil {
			t.Fatalf("forged message accepted: %q", pt)
		}
		if after := dump(t, s); !bytes.Equal(after, st) {
			t.Fatal("failed decrypt changed state")
		}
	})
}

func FuzzUnmarshalSession(f *testing.F) {
	a, b := pair(f)
	f.Add(dump(f, a))
	f.Add(dump(f, b))
	st, _ := fuzzReceiver(f)
	f.Add(st)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := UnmarshalSession(data, detRand(5))
		if err != nil {
			if s != nil {
				t.Fatal("error with non-nil session")
			}
			return
		}
		if out := dump(t, s); !bytes.Equal(out, data) {
			t.Fatal("re-marshal differs from input")
		}
	})
}

func FuzzParseHandshake(f *testing.F) {
	keys, _ := NewInviteKeys(detRand(1))
	pub := keys.Public()
	_, msg, _ := Initiate(pub, detRand(2))
	f.Add(pub.Bytes())
	f.Add(msg.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ParseInvitePublic(data); err == nil && !bytes.Equal(p.Bytes(), data) {
			t.Fatal("invite public re-encode differs")
		}
		if m, err := ParseInitMsg(data); err == nil && !bytes.Equal(m.Bytes(), data) {
			t.Fatal("init msg re-encode differs")
		}
	})
}
