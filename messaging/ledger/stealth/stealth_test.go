package stealth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"filippo.io/edwards25519"
)

func seed(i int) *[SeedSize]byte {
	s := sha256.Sum256(binary.BigEndian.AppendUint32([]byte("seed"), uint32(i)))
	return &s
}

func rng(i uint64) *mrand.ChaCha8 {
	var s [32]byte
	binary.BigEndian.PutUint64(s[:], i)
	return mrand.NewChaCha8(s)
}

// TestSpendKeySignaturesVerify signs with random raw scalars and checks
// every signature with crypto/ed25519.Verify, and that tampering fails.
func TestSpendKeySignaturesVerify(t *testing.T) {
	r := rng(1)
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i := range n {
		var wide [64]byte
		r.Read(wide[:])
		x, _ := edwards25519.NewScalar().SetUniformBytes(wide[:])
		k := NewSpendKey(x)
		msg := make([]byte, i%97)
		r.Read(msg)
		sig := k.Sign(msg)
		pub := k.Public()
		if !ed25519.Verify(pub[:], msg, sig[:]) {
			t.Fatalf("signature %d does not verify", i)
		}
		if k.Sign(msg) != sig {
			t.Fatal("signing is not deterministic")
		}
		bad := sig
		bad[i%64] ^= 1 << (i % 8)
		if ed25519.Verify(pub[:], msg, bad[:]) {
			t.Fatalf("tampered signature %d verifies", i)
		}
		if len(msg) > 0 {
			msg[0] ^= 1
			if ed25519.Verify(pub[:], msg, sig[:]) {
				t.Fatalf("signature %d verifies for another message", i)
			}
		}
	}
}

// TestSpendKeyMatchesStdlib: for a scalar that crypto/ed25519 would use
// (the clamped seed hash), the public key agrees.
func TestSpendKeyMatchesStdlib(t *testing.T) {
	for i := range 50 {
		priv := ed25519.NewKeyFromSeed(seed(i)[:])
		msg := []byte{byte(i)}
		d := sha512Sum(priv.Seed())
		x, err := edwards25519.NewScalar().SetBytesWithClamping(d[:32])
		if err != nil {
			t.Fatal(err)
		}
		k := NewSpendKey(x)
		if k.Public() != [32]byte(priv.Public().(ed25519.PublicKey)) {
			t.Fatal("public key differs from crypto/ed25519's")
		}
		sig := k.Sign(msg)
		if !ed25519.Verify(priv.Public().(ed25519.PublicKey), msg, sig[:]) {
			t.Fatal("does not verify under the stdlib key")
		}
	}
}

// pay builds output index i of a payment to addr.
func pay(t *testing.T, e *Ephemeral, addr Address, i uint32) (owner [32]byte, tag byte) {
	t.Helper()
	owner, tag, err := e.OneTime(addr, i)
	if err != nil {
		t.Fatal(err)
	}
	return owner, tag
}

func TestScanFindsOwnOutputsOnly(t *testing.T) {
	alice, bob := FromSeed(seed(1)), FromSeed(seed(2))
	defer alice.Close()
	type out struct {
		R     [32]byte
		i     uint32
		owner [32]byte
		tag   byte
		toBob bool
	}
	var outs []out
	r := rng(2)
	for p := range 100 {
		e, err := NewEphemeral(r)
		if err != nil {
			t.Fatal(err)
		}
		for i := range uint32(1 + p%3) {
			to := alice
			if (p+int(i))%2 == 0 {
				to = bob
			}
			owner, tag := pay(t, e, to.Address(), i)
			outs = append(outs, out{e.R, i, owner, tag, to == bob})
		}
	}
	found := 0
	for _, o := range outs {
		got := bob.View().Owns(o.R, o.i, o.owner, o.tag)
		if got != o.toBob {
			t.Fatalf("bob owns %v, want %v", got, o.toBob)
		}
		k, ok := bob.SpendKey(o.R, o.i, o.owner, o.tag)
		if ok != o.toBob {
			t.Fatal("SpendKey disagrees with Owns")
		}
		if !ok {
			if alice.Owns(o.R, o.i, o.owner, o.tag) != true {
				t.Fatal("alice misses her own output")
			}
			continue
		}
		found++
		if k.Public() != o.owner {
			t.Fatal("spend key is not the one-time key")
		}
		msg := []byte("spend")
		sig := k.Sign(msg)
		if !ed25519.Verify(o.owner[:], msg, sig[:]) {
			t.Fatal("spend signature does not verify under the one-time key")
		}
		// The same output at another index, with another tag or R: not found.
		if bob.Owns(o.R, o.i+1, o.owner, o.tag) || bob.Owns(o.R, o.i, o.owner, o.tag+1) {
			t.Fatal("found with the wrong index or tag")
		}
	}
	if found == 0 {
		t.Fatal("no outputs to bob")
	}
}

func TestOneTimeKeysAreUnlinkable(t *testing.T) {
	bob := FromSeed(seed(2))
	e, _ := NewEphemeral(rng(3))
	seen := map[[32]byte]bool{bob.Address().Spend: true, bob.Address().View: true}
	for i := range uint32(50) {
		owner, _ := pay(t, e, bob.Address(), i)
		if seen[owner] {
			t.Fatal("one-time key repeats or equals an address key")
		}
		seen[owner] = true
	}
}

// TestTorsionInRIsHarmless: a small-order component added to R does not
// change the shared secret (cofactor clearing), and R of small order is
// rejected by the scanner.
func TestTorsionInR(t *testing.T) {
	bob := FromSeed(seed(2))
	e, _ := NewEphemeral(rng(4))
	owner, tag := pay(t, e, bob.Address(), 0)
	// A point of order 2: (0, -1).
	t2, err := new(edwards25519.Point).SetBytes(append([]byte{0xEC}, append(bytes.Repeat([]byte{0xFF}, 30), 0x7F)...))
	if err != nil {
		t.Fatal(err)
	}
	R, _ := new(edwards25519.Point).SetBytes(e.R[:])
	twisted := [32]byte(new(edwards25519.Point).Add(R, t2).Bytes())
	if !bob.Owns(twisted, 0, owner, tag) {
		t.Fatal("torsion in R changed the shared secret")
	}
	if bob.Owns([32]byte(t2.Bytes()), 0, owner, tag) {
		t.Fatal("small-order R accepted")
	}
}

func TestAddressAndSeeds(t *testing.T) {
	k := FromSeed(seed(1))
	b := k.Address().Marshal()
	a, err := ParseAddress(b)
	if err != nil || a != k.Address() {
		t.Fatal(err)
	}
	if FromSeed(seed(1)).Address() != a || FromSeed(seed(2)).Address() == a {
		t.Fatal("keys are not a function of the seed")
	}
	if a.View == a.Spend {
		t.Fatal("view and spend keys are equal")
	}
	for name, bad := range map[string][]byte{
		"short": b[:63], "long": append(bytes.Clone(b), 0), "identity view": append(append([]byte{1}, make([]byte, 31)...), b[32:]...),
		"non-canonical spend": append(bytes.Clone(b[:32]), append([]byte{0xED}, append(bytes.Repeat([]byte{0xFF}, 30), 0x7F)...)...),
	} {
		if _, err := ParseAddress(bad); !errors.Is(err, ErrBadAddress) {
			t.Errorf("%s: %v", name, err)
		}
	}
	e, _ := NewEphemeral(rng(5))
	if _, _, err := e.OneTime(Address{}, 0); !errors.Is(err, ErrBadAddress) {
		t.Fatal("payment to a zero address")
	}
}

func TestClose(t *testing.T) {
	k := FromSeed(seed(1))
	e, _ := NewEphemeral(rng(6))
	owner, tag := pay(t, e, k.Address(), 0)
	sk, ok := k.SpendKey(e.R, 0, owner, tag)
	if !ok {
		t.Fatal("not found")
	}
	k.Close()
	sk.Close()
	e.Close()
	zeroS := edwards25519.NewScalar()
	if k.a.Equal(zeroS) != 1 || k.b.Equal(zeroS) != 1 || sk.x.Equal(zeroS) != 1 || e.r.Equal(zeroS) != 1 || sk.prefix != [32]byte{} {
		t.Fatal("secrets not zeroed")
	}
}

func FuzzParseAddress(f *testing.F) {
	f.Add(FromSeed(seed(1)).Address().Marshal())
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAddress(b)
		if err != nil {
			if a != (Address{}) {
				t.Fatal("error with a value")
			}
			return
		}
		if !bytes.Equal(a.Marshal(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func BenchmarkScanForeign(b *testing.B) {
	bob := FromSeed(seed(2))
	e, _ := NewEphemeral(rng(7))
	owner, tag, _ := e.OneTime(FromSeed(seed(1)).Address(), 0)
	if _, tag2 := derive(sharedPoint(bob.a, mustPoint(e.R)), 0); tag2 == tag {
		tag++ // make it a view-tag miss, the common case
	}
	b.ReportAllocs()
	for b.Loop() {
		if bob.View().Owns(e.R, 0, owner, tag) {
			b.Fatal("foreign output found")
		}
	}
}

func BenchmarkScanOwnAndSign(b *testing.B) {
	bob := FromSeed(seed(2))
	e, _ := NewEphemeral(rng(8))
	owner, tag, _ := e.OneTime(bob.Address(), 0)
	msg := make([]byte, 54)
	b.ReportAllocs()
	for b.Loop() {
		k, ok := bob.SpendKey(e.R, 0, owner, tag)
		if !ok {
			b.Fatal("own output missed")
		}
		k.Sign(msg)
	}
}

func BenchmarkOneTime(b *testing.B) {
	addr := FromSeed(seed(2)).Address()
	b.ReportAllocs()
	for b.Loop() {
		e, _ := NewEphemeral(rng(9))
		if _, _, err := e.OneTime(addr, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func mustPoint(b [32]byte) *edwards25519.Point {
	p, err := decodePoint(b)
	if err != nil {
		panic(err)
	}
	return p
}

func TestAddressText(t *testing.T) {
	a := FromSeed(seed(1)).Address()
	s := a.String()
	if len(s) != TextSize || !strings.HasPrefix(s, TextPrefix) {
		t.Fatalf("text %q (%d chars)", s, len(s))
	}
	if got, err := ParseAddressText(s); err != nil || got != a {
		t.Fatalf("round trip: %v", err)
	}
	for i := range len(s) { // every strict prefix is refused
		if _, err := ParseAddressText(s[:i]); !errors.Is(err, ErrBadAddress) {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
	for _, bad := range []string{
		s + "a", strings.ToUpper(s), s[:20] + flip(s[20]) + s[21:], // one typo
		s[:len(s)-1] + "9", // not in the alphabet
	} {
		if _, err := ParseAddressText(bad); !errors.Is(err, ErrBadAddress) {
			t.Fatalf("%q accepted: %v", bad, err)
		}
	}
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func FuzzParseAddressText(f *testing.F) {
	f.Add(FromSeed(seed(1)).Address().String())
	f.Add(FromSeed(seed(2)).Address().String()[:50])
	f.Add(TextPrefix)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddressText(s)
		if err != nil {
			if a != (Address{}) {
				t.Fatal("error with a value")
			}
			return
		}
		if a.String() != s {
			t.Fatal("re-encoding differs")
		}
	})
}
