package envelope

import (
	"bytes"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, b := range loadVectors(f, "payload") {
		f.Add(b)
	}
	f.Add(Payment{ID: [16]byte{1}, Cert: []byte("certificate")}.appendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			if p != nil {
				t.Fatal("error with a non-nil payload")
			}
			return
		}
		out, err := Encode(p)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("decoded payload re-encodes differently (err %v)", err)
		}
	})
}

func FuzzUnpad(f *testing.F) {
	for _, b := range loadVectors(f, "pad") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Unpad(b)
		if err != nil {
			if p != nil {
				t.Fatal("error with a non-nil result")
			}
			return
		}
		out, err := Pad(p)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("unpadded payload re-pads differently (err %v)", err)
		}
	})
}
