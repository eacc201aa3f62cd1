package invite

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
)

func BenchmarkSealRequest(b *testing.B) {
	key := sampleInvitation().Key
	first := bytes.Repeat([]byte{1}, envelope.Sizes[0])
	b.ReportAllocs()
	b.SetBytes(RequestSize)
	for b.Loop() {
		if _, err := SealRequest(key, sampleInitMsg(), first, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenRequest(b *testing.B) {
	key := sampleInvitation().Key
	env, err := SealRequest(key, sampleInitMsg(), make([]byte, envelope.Sizes[0]), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(RequestSize)
	for b.Loop() {
		if _, _, err := OpenRequest(key, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	text := sampleInvitation().String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQR(b *testing.B) {
	text := sampleInvitation().String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := QR(text); err != nil {
			b.Fatal(err)
		}
	}
}
