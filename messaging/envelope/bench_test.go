package envelope

import (
	"bytes"
	"testing"
)

// BenchmarkText100 measures one 100-byte Text through
// Encode, Pad, Unpad and Decode (no encryption).
func BenchmarkText100(b *testing.B) {
	tx := Text{ID: id(1), Seq: 1, Sent: 1, Body: bytes.Repeat([]byte("a"), 100)}
	b.ReportAllocs()
	b.SetBytes(100)
	for b.Loop() {
		enc, err := Encode(tx)
		if err != nil {
			b.Fatal(err)
		}
		padded, err := Pad(enc)
		if err != nil {
			b.Fatal(err)
		}
		inner, err := Unpad(padded)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(inner); err != nil {
			b.Fatal(err)
		}
	}
}
