package wire

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkParsePush(b *testing.B) {
	recs := randomRecs(rand.New(rand.NewPCG(7, 8)), 200)
	m, err := AppendPush(nil, recs[:NextBatch(TypePush, recs)])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(m)))
	for b.Loop() {
		if _, err := ParsePush(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	recs := randomRecs(rand.New(rand.NewPCG(9, 10)), 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(TypeReply, recs); err != nil {
			b.Fatal(err)
		}
	}
}
