package wallet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// receiptVector is a valid receipt encoding (a certificate with one vote
// is well formed, which is all the decoder checks).
func receiptVector(t testing.TB) []byte {
	keys := stealth.FromSeed(&[32]byte{7})
	var r [scalarSize]byte
	r[0] = 9
	out, err := output(r, keys.Address(), 0, 42)
	if err != nil {
		t.Fatal(err)
	}
	rc := &Receipt{R: r, Cert: ledger.Certificate{
		Order: ledger.Order{Inputs: []ledger.CoinID{{1}}, Outputs: []ledger.Output{out}, Fee: 1},
		Votes: []ledger.CertVote{{Validator: 0}, {Validator: 2}}}}
	b, err := rc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzReceipt(f *testing.F) {
	f.Add(receiptVector(f))
	f.Add([]byte{tagReceipt})
	f.Fuzz(func(t *testing.T, b []byte) {
		rc, err := UnmarshalReceipt(b)
		if err != nil {
			if rc != nil {
				t.Fatal("error with a value")
			}
			return
		}
		again, err := rc.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func journalVector(t testing.TB) []byte {
	keys := stealth.FromSeed(&[32]byte{7})
	var r [scalarSize]byte
	r[0] = 9
	out, _ := output(r, keys.Address(), 0, 42)
	so := &ledger.SignedOrder{Order: ledger.Order{Inputs: []ledger.CoinID{{1}}, Outputs: []ledger.Output{out}, Fee: 1},
		Sigs: [][ledger.SigSize]byte{{3}}}
	enc, err := so.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	j := &journalRecord{Signed: enc, To: keys.Address(), R: r}
	return j.encode()
}

func FuzzJournalRecord(f *testing.F) {
	f.Add(journalVector(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, so, err := decodeJournalRecord(b)
		if err != nil {
			if j != nil || so != nil {
				t.Fatal("error with a value")
			}
			return
		}
		if !bytes.Equal(j.encode(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func coinVector(t testing.TB) []byte {
	keys := stealth.FromSeed(&[32]byte{7})
	out, _ := output([scalarSize]byte{9}, keys.Address(), 3, 42)
	b, err := encodeCoinRecord(&OwnedCoin{Coin: ledger.Coin{ID: ledger.CoinID{5}, Output: out}, Index: 3, Origin: ledger.Digest{6}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzCoinRecord(f *testing.F) {
	f.Add(coinVector(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCoinRecord(b)
		if err != nil {
			if c != (OwnedCoin{}) {
				t.Fatal("error with a value")
			}
			return
		}
		again, err := encodeCoinRecord(&c)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzSeedWords(f *testing.F) {
	f.Add(strings.Join(SeedWords(&[32]byte{1, 2, 3}), " "))
	f.Add("abandon abandon")
	f.Fuzz(func(t *testing.T, s string) {
		seed, err := ParseSeedWords(s)
		if err != nil {
			if seed != ([32]byte{}) {
				t.Fatal("error with a value")
			}
			return
		}
		if strings.Join(SeedWords(&seed), " ") != strings.Join(strings.Fields(strings.ToLower(s)), " ") {
			t.Fatal("re-encoding differs")
		}
	})
}

func TestRecordsNoPrefixDecodes(t *testing.T) {
	for _, enc := range [][]byte{journalVector(t), coinVector(t)} {
		for i := range len(enc) {
			if _, _, err := decodeJournalRecord(enc[:i]); err == nil {
				t.Fatalf("journal prefix %d decodes", i)
			}
			if _, err := decodeCoinRecord(enc[:i]); err == nil {
				t.Fatalf("coin prefix %d decodes", i)
			}
		}
	}
	if _, _, err := decodeJournalRecord(journalVector(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeCoinRecord(coinVector(t)); err != nil {
		t.Fatal(err)
	}
}
