package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"testing"

	"filippo.io/edwards25519"

	"github.com/warrennet/warren/messaging/ledger"
)

// encodings returns one valid encoding of each type, for the prefix,
// trailing-byte and fuzz tests.
func encodings(t testing.TB) map[string][]byte {
	w := newWorld(t, 4, 100, 200)
	a := w.order([]ledger.CoinID{w.coin(0), w.coin(1)}, 1, 100, 99, 100)
	b := w.order([]ledger.CoinID{w.coin(0)}, 1, 99)
	vote, _, _ := w.vals[0].HandleOrder(a)
	_, rf, _ := w.vals[0].HandleOrder(b)
	cert, err := ledger.AssembleCertificate(w.com, w.net, &a.Order, w.votes(a, 1, 2, 3))
	if err != nil || rf == nil {
		t.Fatal(err)
	}
	m := map[string][]byte{"vote": vote.Marshal()}
	m["coin"], _ = w.genesis[0].Marshal()
	m["order"], _ = a.Order.Marshal()
	m["signed"], _ = a.Marshal()
	m["refusal"], _ = rf.Marshal()
	m["cert"], _ = cert.Marshal()
	g := ledger.LedgerGenesis{Params: ledger.Params{MinFee: 1, Dust: 1}}
	for _, c := range w.genesis {
		g.Outputs = append(g.Outputs, c.Output)
	}
	m["genesis"], _ = g.Marshal()
	return m
}

// decoders maps each type to a decode-then-re-encode function.
var decoders = map[string]func([]byte) ([]byte, error){
	"coin":    func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalCoin(b)) },
	"order":   func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalOrder(b)) },
	"signed":  func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalSignedOrder(b)) },
	"refusal": func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalRefusal(b)) },
	"cert":    func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalCertificate(b)) },
	"genesis": func(b []byte) ([]byte, error) { return reencode(ledger.UnmarshalLedgerGenesis(b)) },
	"vote": func(b []byte) ([]byte, error) {
		v, err := ledger.UnmarshalVote(b)
		if err != nil {
			if v != nil {
				panic("error with a value")
			}
			return nil, err
		}
		return v.Marshal(), nil
	},
}

type marshaler interface{ Marshal() ([]byte, error) }

// reencode re-marshals a decoded value, checking that an error comes with
// a nil value.
func reencode[T marshaler](v T, err error) ([]byte, error) {
	if err != nil {
		if !isNil(v) {
			panic("error with a non-nil value")
		}
		return nil, err
	}
	return v.Marshal()
}

func isNil[T any](v T) bool {
	switch x := any(v).(type) {
	case *ledger.Coin:
		return x == nil
	case *ledger.Order:
		return x == nil
	case *ledger.SignedOrder:
		return x == nil
	case *ledger.Refusal:
		return x == nil
	case *ledger.Certificate:
		return x == nil
	case *ledger.LedgerGenesis:
		return x == nil
	}
	return false
}

func TestRoundTripPrefixesTrailing(t *testing.T) {
	for name, b := range encodings(t) {
		dec := decoders[name]
		out, err := dec(b)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("%s: round trip: %v", name, err)
		}
		for i := range len(b) {
			if _, err := dec(b[:i]); !errors.Is(err, ledger.ErrMalformed) {
				t.Fatalf("%s: prefix of %d bytes: %v", name, i, err)
			}
		}
		if _, err := dec(append(bytes.Clone(b), 0)); !errors.Is(err, ledger.ErrMalformed) {
			t.Fatalf("%s: trailing byte accepted", name)
		}
		for other, d := range decoders { // no encoding decodes as another type
			if other != name {
				if _, err := d(b); err == nil {
					t.Fatalf("%s decodes as %s", name, other)
				}
			}
		}
	}
}

// TestDigestVector pins the order encoding and digest: changing either
// is a protocol change.
func TestDigestVector(t *testing.T) {
	o := &ledger.Order{Inputs: []ledger.CoinID{{1}, {2}}, Fee: 7,
		Outputs: []ledger.Output{{Owner: pub(key("vector", 0)), Amount: 1000, ViewTag: 0xAB, R: [32]byte{9}}}}
	b, err := o.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The encoding, spelt out field by field.
	owner := pub(key("vector", 0))
	want := []byte{0x01, 2}
	want = append(want, append([]byte{1}, make([]byte, 31)...)...)
	want = append(want, append([]byte{2}, make([]byte, 31)...)...)
	want = append(want, 1)
	want = append(want, owner[:]...)
	want = append(want, 0, 0, 0, 0, 0, 0, 0x03, 0xE8, 0xAB, 9)
	want = append(want, make([]byte, 31)...)
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 7)
	if !bytes.Equal(b, want) {
		t.Fatalf("encoding\n%x\nwant\n%x", b, want)
	}
	d := o.Digest(netA)
	if sum := sha256.Sum256(append(append([]byte("warren/ledger/order/v1"), netA[:]...), want...)); sum != d {
		t.Fatal("digest is not SHA-256(domain || network || encoding)")
	}
	const wantDigest = "9f2bf19fd489d1d5cef8c95266e59ccc0b16e87e624ee5da0410a43708fd2fcb"
	if got := hex.EncodeToString(d[:]); got != wantDigest {
		t.Errorf("digest %s", got)
	}
	if o.Digest(netB) == d {
		t.Error("digest does not depend on the network")
	}
}

func TestArithmeticEdges(t *testing.T) {
	max := uint64(math.MaxUint64)
	w := newWorld(t, 4, max-1, 1)
	w.params = ledger.Params{} // no minimums, to reach the edges
	for i := range w.vals {
		w.vals[i] = w.validator(i)
	}
	// The whole supply, MaxUint64, in one output.
	all := w.order([]ledger.CoinID{w.coin(0), w.coin(1)}, 0, max)
	w.pay(all)
	w.checkSupply()
	maxCoin := ledger.OutputID(all.Digest(w.net), 0)

	bad := map[string]struct {
		o    ledger.Order
		want error
	}{
		"outputs overflow":          {ledger.Order{Inputs: []ledger.CoinID{maxCoin}, Outputs: outs(max, 1)}, ledger.ErrInvalidOrder},
		"output plus fee overflows": {ledger.Order{Inputs: []ledger.CoinID{maxCoin}, Outputs: outs(max), Fee: 1}, ledger.ErrInvalidOrder},
		"zero output":               {ledger.Order{Inputs: []ledger.CoinID{maxCoin}, Outputs: outs(max, 0)}, ledger.ErrInvalidOrder},
		"no outputs":                {ledger.Order{Inputs: []ledger.CoinID{maxCoin}}, ledger.ErrInvalidOrder},
		"no inputs":                 {ledger.Order{Outputs: outs(1)}, ledger.ErrInvalidOrder},
		"duplicate inputs":          {ledger.Order{Inputs: []ledger.CoinID{maxCoin, maxCoin}, Outputs: outs(max)}, ledger.ErrInvalidOrder},
		"unsorted inputs":           {ledger.Order{Inputs: []ledger.CoinID{{2}, {1}}, Outputs: outs(max)}, ledger.ErrInvalidOrder},
		"17 inputs":                 {ledger.Order{Inputs: ids(17), Outputs: outs(1)}, ledger.ErrInvalidOrder},
		"17 outputs":                {ledger.Order{Inputs: ids(1), Outputs: outs(make([]uint64, 17)...)}, ledger.ErrInvalidOrder},
		"small-order owner":         {ledger.Order{Inputs: ids(1), Outputs: []ledger.Output{{Owner: [32]byte{1}, Amount: 1}}}, ledger.ErrInvalidOrder},
	}
	for name, c := range bad {
		if err := c.o.Check(); !errors.Is(err, c.want) {
			t.Errorf("%s: Check: %v", name, err)
		}
		if _, err := c.o.Marshal(); err == nil {
			t.Errorf("%s: marshals", name)
		}
		if _, err := ledger.SignOrder(w.net, &c.o, nil); err == nil {
			t.Errorf("%s: signs", name)
		}
	}
	// 16 inputs and 16 outputs is the most, and fine.
	ok := ledger.Order{Inputs: ids(16), Outputs: outs(make([]uint64, 16)...)}
	for i := range ok.Outputs {
		ok.Outputs[i].Amount = max / 16
	}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	b, _ := ok.Marshal()
	if len(b) != ledger.MaxOrderSize {
		t.Fatalf("largest order is %d bytes, MaxOrderSize %d", len(b), ledger.MaxOrderSize)
	}
	b[1] = 17 // a hand-made 17-input count does not decode
	if _, err := ledger.UnmarshalOrder(b); !errors.Is(err, ledger.ErrMalformed) {
		t.Fatal("17-input count decoded")
	}
}

func TestInputSumOverflowAndMinimums(t *testing.T) {
	max := uint64(math.MaxUint64)
	w := newWorld(t, 4)
	// GenesisCoins refuses this supply; seed the stores by hand to reach
	// the validator's own check.
	if _, err := ledger.GenesisCoins(w.net, outs(max, 1)); err == nil {
		t.Fatal("genesis supply overflow accepted")
	}
	for i, a := range []uint64{max, 1} {
		k := w.newKey()
		c := ledger.Coin{ID: ledger.GenesisCoinID(w.net, i), Output: ledger.Output{Owner: pub(k), Amount: a}}
		w.genesis, w.owners[c.ID] = append(w.genesis, c), k
	}
	for _, st := range w.stores {
		if err := st.Seed(w.genesis); err != nil {
			t.Fatal(err)
		}
	}
	so := w.order([]ledger.CoinID{w.coin(0), w.coin(1)}, 1, max-1)
	if _, _, err := w.vals[0].HandleOrder(so); !errors.Is(err, ledger.ErrUnbalanced) {
		t.Fatalf("inputs overflow: %v", err)
	}
	dust := w.order([]ledger.CoinID{w.coin(1)}, 1, 9)
	if _, _, err := w.vals[0].HandleOrder(dust); !errors.Is(err, ledger.ErrDust) {
		t.Fatalf("dust: %v", err)
	}
	free := w.order([]ledger.CoinID{w.coin(0)}, 0, max)
	if _, _, err := w.vals[0].HandleOrder(free); !errors.Is(err, ledger.ErrFeeTooLow) {
		t.Fatalf("fee: %v", err)
	}
}

func outs(amounts ...uint64) []ledger.Output {
	o := make([]ledger.Output, len(amounts))
	for i, a := range amounts {
		o[i] = ledger.Output{Owner: pub(key("out", i)), Amount: a}
	}
	return o
}

func ids(n int) []ledger.CoinID {
	out := make([]ledger.CoinID, n)
	for i := range out {
		out[i] = ledger.CoinID{byte(i + 1)}
	}
	return out
}

// TestValidKeyAgreesWithReencoding checks the byte-level canonical test
// against the slow definition (decode, re-encode, compare) on random and
// edge encodings.
func TestValidKeyAgreesWithReencoding(t *testing.T) {
	slow := func(k [32]byte) bool {
		p, err := new(edwards25519.Point).SetBytes(k[:])
		if err != nil || [32]byte(p.Bytes()) != k {
			return false
		}
		return new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1
	}
	var cases [][32]byte
	for i := range 3000 {
		cases = append(cases, sha256.Sum256([]byte{byte(i), byte(i >> 8)}), pub(key("vk", i)))
	}
	for lo := 0xE0; lo <= 0xFF; lo++ { // y near p, both signs
		for _, top := range []byte{0x7F, 0xFF} {
			k := [32]byte{byte(lo)}
			for j := 1; j < 31; j++ {
				k[j] = 0xFF
			}
			k[31] = top
			cases = append(cases, k)
		}
	}
	cases = append(cases, [32]byte{1}, [32]byte{1, 31: 0x80}, [32]byte{0xEC, 31: 0x7F})
	valid := 0
	for _, k := range cases {
		if ledger.ValidKey(k) != slow(k) {
			t.Fatalf("ValidKey(%x) = %v", k, ledger.ValidKey(k))
		}
		if ledger.ValidKey(k) {
			valid++
		}
	}
	if valid < 3000 {
		t.Fatalf("only %d valid keys among the cases", valid)
	}
}

// TestLedgerGenesisRules: the ledger genesis refuses what no network may
// start with (no coins, too many, dust, a weak owner key, a supply that
// overflows), and its coins are GenesisCoins of its outputs.
func TestLedgerGenesisRules(t *testing.T) {
	out := func(amount uint64) ledger.Output {
		return ledger.Output{Owner: pub(key("owner", int(amount%7))), Amount: amount}
	}
	ok := ledger.LedgerGenesis{Params: ledger.Params{MinFee: 1, Dust: 10}, Outputs: []ledger.Output{out(10), out(1 << 40)}}
	b, err := ok.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := ledger.UnmarshalLedgerGenesis(b)
	if err != nil || g.Params != ok.Params || g.Supply() != 10+1<<40 {
		t.Fatalf("round trip: %+v, %v", g, err)
	}
	coins, err := g.Coins(netA)
	if err != nil || coins[1].ID != ledger.GenesisCoinID(netA, 1) || coins[1].Amount != 1<<40 {
		t.Fatalf("coins: %v", err)
	}
	many := make([]ledger.Output, ledger.MaxGenesisOutputs+1)
	for i := range many {
		many[i] = out(10)
	}
	if b, err := (&ledger.LedgerGenesis{Outputs: many[:ledger.MaxGenesisOutputs]}).Marshal(); err != nil || len(b) != ledger.MaxGenesisSize || len(b) > 64<<10 {
		t.Fatalf("largest: %d bytes, %v", len(b), err)
	}
	weak := out(10)
	weak.Owner = [32]byte{1}
	for name, bad := range map[string]ledger.LedgerGenesis{
		"empty":    {},
		"too many": {Outputs: many},
		"dust":     {Params: ledger.Params{Dust: 11}, Outputs: []ledger.Output{out(10)}},
		"zero":     {Outputs: []ledger.Output{out(0)}},
		"weak key": {Outputs: []ledger.Output{weak}},
		"overflow": {Outputs: []ledger.Output{out(math.MaxUint64), out(1)}},
	} {
		if _, err := bad.Marshal(); err == nil {
			t.Errorf("%s: marshalled", name)
		}
	}
}
