package ledger_test

import (
	"bytes"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// fuzzDecoder seeds from the valid encoding of name and its prefixes, and
// checks: no panic; an error comes with a nil value (reencode panics
// otherwise); a success re-encodes to the input.
func fuzzDecoder(f *testing.F, name string, extra func(b []byte)) {
	b := encodings(f)[name]
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(append(bytes.Clone(b), 0))
	dec := decoders[name]
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := dec(in)
		if err != nil {
			return
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs from the input")
		}
		if extra != nil {
			extra(in)
		}
	})
}

func FuzzCoin(f *testing.F)        { fuzzDecoder(f, "coin", nil) }
func FuzzOrder(f *testing.F)       { fuzzDecoder(f, "order", nil) }
func FuzzSignedOrder(f *testing.F) { fuzzDecoder(f, "signed", nil) }
func FuzzVote(f *testing.F)        { fuzzDecoder(f, "vote", nil) }

func FuzzLedgerGenesis(f *testing.F) {
	fuzzDecoder(f, "genesis", func(b []byte) {
		g, _ := ledger.UnmarshalLedgerGenesis(b)
		coins, err := g.Coins(netA)
		if err != nil || len(coins) != len(g.Outputs) {
			panic("a decoded ledger genesis gives no coins")
		}
	})
}

func FuzzRefusal(f *testing.F) {
	fuzzDecoder(f, "refusal", func(b []byte) {
		rf, _ := ledger.UnmarshalRefusal(b)
		_ = rf.VerifyEvidence(netA, pub(key("owner", 0)))
	})
}

func FuzzCertificate(f *testing.F) {
	com := committeeOf(f, "validator", 4)
	fuzzDecoder(f, "cert", func(b []byte) {
		c, _ := ledger.UnmarshalCertificate(b)
		_ = ledger.VerifyCertificate(com, netA, c)
	})
}
