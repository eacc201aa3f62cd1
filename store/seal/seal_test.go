package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the implementation")

// sealVector is a known-answer vector: Seal(key, nonce-as-rand, plaintext, ad) == blob.
type sealVector struct {
	Name      string `json:"name"`
	Key       string `json:"key"`
	Nonce     string `json:"nonce"`
	Plaintext string `json:"plaintext"`
	AD        string `json:"ad"`
	Blob      string `json:"blob"`
}

// parseVector is an encoding with its expected Parse outcome.
type parseVector struct {
	Name   string `json:"name"`
	Blob   string `json:"blob"`
	Expect string `json:"expect"` // "ok", "malformed" or "version"
}

type vectorFile struct {
	Seal  []sealVector  `json:"seal"`
	Parse []parseVector `json:"parse"`
}

const vectorPath = "testdata/vectors.json"

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	raw, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(raw, &vf); err != nil {
		t.Fatal(err)
	}
	return vf
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sealVec(t testing.TB, v sealVector) []byte {
	t.Helper()
	var k Key
	copy(k[:], unhex(t, v.Key))
	blob, err := Seal(&k, bytes.NewReader(unhex(t, v.Nonce)), unhex(t, v.Plaintext), unhex(t, v.AD))
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func TestSealVectors(t *testing.T) {
	vf := loadVectors(t)
	if len(vf.Seal) == 0 {
		t.Fatal("no seal vectors")
	}
	for i, v := range vf.Seal {
		blob := sealVec(t, v)
		if *update {
			vf.Seal[i].Blob = hex.EncodeToString(blob)
			continue
		}
		if got := hex.EncodeToString(blob); got != v.Blob {
			t.Errorf("%s: Seal = %s, want %s", v.Name, got, v.Blob)
		}
		var k Key
		copy(k[:], unhex(t, v.Key))
		pt, err := Open(&k, unhex(t, v.Blob), unhex(t, v.AD))
		if err != nil || !bytes.Equal(pt, unhex(t, v.Plaintext)) {
			t.Errorf("%s: Open = %x, %v", v.Name, pt, err)
		}
	}
	if *update {
		writeVectors(t, vf)
	}
}

func writeVectors(t *testing.T, vf vectorFile) {
	raw, err := json.MarshalIndent(vf, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.FromSlash(vectorPath), append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseVectors(t *testing.T) {
	want := map[string]error{"ok": nil, "malformed": ErrMalformed, "version": ErrVersion}
	for _, v := range loadVectors(t).Parse {
		exp, known := want[v.Expect]
		if !known {
			t.Fatalf("%s: unknown expect %q", v.Name, v.Expect)
		}
		in := unhex(t, v.Blob)
		b, err := Parse(in)
		if !errors.Is(err, exp) || (exp == nil) != (err == nil) {
			t.Errorf("%s: Parse err = %v, want %v", v.Name, err, exp)
			continue
		}
		if err == nil && !bytes.Equal(b.Marshal(), in) {
			t.Errorf("%s: re-encoding differs", v.Name)
		}
		if err != nil && (b.Ciphertext != nil || b.Nonce != [NonceSize]byte{}) {
			t.Errorf("%s: error with non-zero Blob", v.Name)
		}
	}
}

// TestNoPrefixParses checks that no strict prefix of a valid blob parses,
// and that one trailing byte is rejected too.
func TestNoPrefixParses(t *testing.T) {
	for _, v := range loadVectors(t).Seal {
		blob := unhex(t, v.Blob)
		for n := range len(blob) {
			if _, err := Parse(blob[:n]); err == nil {
				t.Errorf("%s: prefix of length %d parses", v.Name, n)
			}
		}
		if _, err := Parse(append(blob[:len(blob):len(blob)], 0)); err == nil {
			t.Errorf("%s: trailing byte accepted", v.Name)
		}
	}
}

func TestOversizeLengthRejectedBeforeAlloc(t *testing.T) {
	hdr := make([]byte, HeaderSize)
	hdr[0] = Version
	hdr[1+NonceSize] = 0xff // declared length ~4 GiB
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(hdr); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse of oversize header allocated %v times", allocs)
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	var k Key
	rand.Read(k[:])
	pt := []byte("thirty-two bytes of private key!")
	ad := []byte("warren/test\x00name")
	blob, err := Seal(&k, rand.Reader, pt, ad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range blob {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(blob)
			bad[i] ^= bit
			got, err := Open(&k, bad, ad)
			if err == nil || got != nil {
				t.Fatalf("flip at byte %d bit %#x: got %x, %v", i, bit, got, err)
			}
		}
	}
	if got, err := Open(&k, blob, []byte("warren/test\x00other")); !errors.Is(err, ErrAuth) || got != nil {
		t.Errorf("wrong ad: %x, %v", got, err)
	}
	var k2 Key
	rand.Read(k2[:])
	if got, err := Open(&k2, blob, ad); !errors.Is(err, ErrAuth) || got != nil {
		t.Errorf("wrong key: %x, %v", got, err)
	}
}

func TestSealLimits(t *testing.T) {
	var k Key
	if _, err := Seal(&k, rand.Reader, make([]byte, MaxPlaintext+1), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize plaintext: %v", err)
	}
	blob, err := Seal(&k, rand.Reader, make([]byte, MaxPlaintext), nil)
	if err != nil || len(blob) != MaxBlob {
		t.Fatalf("max plaintext: len %d, %v", len(blob), err)
	}
	if _, err := Seal(&k, bytes.NewReader(make([]byte, 5)), nil, nil); err == nil {
		t.Error("short rand accepted")
	}
}

func TestKeyZeroEqual(t *testing.T) {
	var a, b Key
	rand.Read(a[:])
	b = a
	if !a.Equal(&b) {
		t.Fatal("equal keys differ")
	}
	a.Zero()
	if a != (Key{}) || a.Equal(&b) {
		t.Fatal("Zero did not clear the key")
	}
}
