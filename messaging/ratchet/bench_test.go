package ratchet

import (
	"bytes"
	"testing"
)

func BenchmarkEncryptDecrypt1KiB(b *testing.B) {
	a, r := pair(b)
	pt := bytes.Repeat([]byte{1}, 1024)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := a.Encrypt(pt, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Decrypt(m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRatchetStep measures one full turn: each side's Decrypt performs
// a DH ratchet step (two X25519 operations and a key generation).
func BenchmarkRatchetStep(b *testing.B) {
	a, r := pair(b)
	b.ReportAllocs()
	for b.Loop() {
		m, _ := a.Encrypt([]byte("x"), nil)
		if _, err := r.Decrypt(m, nil); err != nil {
			b.Fatal(err)
		}
		a, r = r, a
	}
}

func BenchmarkInitiateRespond(b *testing.B) {
	keys, _ := NewInviteKeys(detRand(1))
	pub := keys.Public()
	rnd := detRand(2)
	b.ReportAllocs()
	for b.Loop() {
		_, msg, err := Initiate(pub, rnd)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Respond(keys, msg, rnd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptWithFullSkippedStore(b *testing.B) {
	a, r := pair(b)
	for range 2 {
		var last []byte
		for range MaxSkip + 1 {
			last, _ = a.Encrypt([]byte("x"), nil)
		}
		r.Decrypt(last, nil)
		m, _ := r.Encrypt([]byte("y"), nil)
		a.Decrypt(m, nil)
	}
	b.ReportMetric(float64(len(r.skipped)), "stored-keys")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := a.Encrypt([]byte("x"), nil)
		if _, err := r.Decrypt(m, nil); err != nil {
			b.Fatal(err)
		}
	}
}
