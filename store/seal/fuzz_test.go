package seal

import (
	"bytes"
	"testing"
)

func seedFuzz(f *testing.F) {
	vf := loadVectors(f)
	for _, v := range vf.Seal {
		f.Add(unhex(f, v.Blob))
	}
	for _, v := range vf.Parse {
		f.Add(unhex(f, v.Blob))
	}
}

// FuzzParse: no panic; error => zero Blob; success => Marshal gives the input.
func FuzzParse(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data)
		if err != nil {
			if b.Ciphertext != nil || b.Nonce != [NonceSize]byte{} {
				t.Fatal("error with non-zero Blob")
			}
			return
		}
		if !bytes.Equal(b.Marshal(), data) {
			t.Fatalf("re-encoding differs")
		}
	})
}

// FuzzOpen: arbitrary input under a fixed key never panics and never yields
// plaintext unless it is an authentic blob.
func FuzzOpen(f *testing.F) {
	seedFuzz(f)
	vf := loadVectors(f)
	v := vf.Seal[0]
	var k Key
	copy(k[:], unhex(f, v.Key))
	ad := unhex(f, v.AD)
	want := unhex(f, v.Plaintext)
	authentic := unhex(f, v.Blob)
	f.Fuzz(func(t *testing.T, data []byte) {
		pt, err := Open(&k, data, ad)
		if err != nil {
			if pt != nil {
				t.Fatal("error with plaintext")
			}
			return
		}
		if !bytes.Equal(data, authentic) || !bytes.Equal(pt, want) {
			t.Fatalf("forged blob opened: %x", data)
		}
	})
}
