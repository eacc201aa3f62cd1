package ratchet

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// detRand returns a deterministic io.Reader (ChaCha8) for tests.
func detRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// pair runs the handshake: a is the acceptor (sends first), b the inviter.
func pair(t testing.TB) (a, b *Session) {
	t.Helper()
	keys, err := NewInviteKeys(detRand(1))
	if err != nil {
		t.Fatal(err)
	}
	a, msg, err := Initiate(keys.Public(), detRand(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err = Respond(keys, msg, detRand(3))
	if err != nil {
		t.Fatal(err)
	}
	keys.Close()
	return a, b
}

func mustEncrypt(t testing.TB, s *Session, text string) []byte {
	t.Helper()
	m, err := s.Encrypt([]byte(text), []byte("ad"))
	if err != nil {
		t.Fatalf("encrypt %q: %v", text, err)
	}
	return m
}

func mustDecrypt(t testing.TB, s *Session, m []byte, want string) {
	t.Helper()
	pt, err := s.Decrypt(m, []byte("ad"))
	if err != nil {
		t.Fatalf("decrypt %q: %v", want, err)
	}
	if string(pt) != want {
		t.Fatalf("decrypt = %q, want %q", pt, want)
	}
}

func dump(t testing.TB, s *Session) []byte {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustFailUnchanged checks that decrypting m fails and leaves s unchanged.
func mustFailUnchanged(t testing.TB, s *Session, m, ad []byte) error {
	t.Helper()
	before := dump(t, s)
	pt, err := s.Decrypt(m, ad)
	if err == nil {
		t.Fatalf("decrypt succeeded (%q), want error", pt)
	}
	if pt != nil {
		t.Fatal("plaintext returned with error")
	}
	if !bytes.Equal(before, dump(t, s)) {
		t.Fatal("failed decrypt changed the session state")
	}
	return err
}

func msgText(i int) string { return fmt.Sprintf("message %d", i) }
