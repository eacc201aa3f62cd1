package wallet

import (
	"testing"

	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// BenchmarkSend: select, build (2 outputs), sign, journal (one
// synchronous=FULL commit).
func BenchmarkSend(b *testing.B) {
	com, _ := committee(b, 4)
	a := newUser(b, com, 1, "")
	addrs := make([]stealth.Address, 4096)
	amounts := make([]uint64, len(addrs))
	for i := range addrs {
		addrs[i], amounts[i] = a.w.Address(), 1000
	}
	if _, err := a.w.AddGenesis(ctx, genesisTo(b, addrs, amounts)); err != nil {
		b.Fatal(err)
	}
	to := stealth.FromSeed(&[32]byte{3}).Address()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.w.Send(ctx, to, 100, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanForeign: Owns on an output that is not ours (the common
// case when scanning a certificate feed).
func BenchmarkScanForeign(b *testing.B) {
	mine := stealth.FromSeed(&[32]byte{1})
	out, _ := output([scalarSize]byte{9}, stealth.FromSeed(&[32]byte{2}).Address(), 0, 42)
	b.ReportAllocs()
	for b.Loop() {
		mine.View().Owns(out.R, 0, out.Owner, out.ViewTag)
	}
}
