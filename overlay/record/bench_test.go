package record

import (
	"crypto/ed25519"
	"testing"
)

func BenchmarkMarshal(b *testing.B) {
	r := signed(b, "a")
	buf := make([]byte, 0, MaxSize)
	b.ReportAllocs()
	b.SetBytes(int64(len(mustMarshal(b, r))))
	for b.Loop() {
		var err error
		if buf, err = r.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	enc := mustMarshal(b, signed(b, "a"))
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Unmarshal(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r := signed(b, "a")
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Verify(netA, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkEd25519Verify is the floor under BenchmarkVerify (limits.md says
// ≈ 53 µs on CI hardware).
func BenchmarkEd25519Verify(b *testing.B) {
	key, id := nodeKey("a")
	msg := make([]byte, len(Domain)+32+MaxSize-SignatureSize)
	sig := ed25519.Sign(key, msg)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(id[:], msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	r, key := unsigned("a")
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Sign(key, netA); err != nil {
			b.Fatal(err)
		}
	}
}
