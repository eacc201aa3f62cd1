package genesis

import "testing"

func BenchmarkParseFileLargest(b *testing.B) {
	f := mustFile(b, largest())
	b.ReportAllocs()
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		if _, err := ParseFile(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFileSample(b *testing.B) {
	f := mustFile(b, sample())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFile(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalCanonicalLargest(b *testing.B) {
	c := mustCanonical(b, largest())
	b.ReportAllocs()
	b.SetBytes(int64(len(c)))
	for b.Loop() {
		if _, err := UnmarshalCanonical(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIDLargest(b *testing.B) {
	g := largest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.ID(); err != nil {
			b.Fatal(err)
		}
	}
}
