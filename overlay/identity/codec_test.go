package identity

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// blobs returns the three encoded blobs of a keyring holding two onion keys.
func blobs(t testing.TB) (node, link, onion []byte) {
	t.Helper()
	k := mustGenerate(t, 3, t0)
	if _, err := k.RotateOnion(detRand(4), t0.Add(OnionEpochLength)); err != nil {
		t.Fatal(err)
	}
	m, err := k.encodeAll()
	if err != nil {
		t.Fatal(err)
	}
	return m[SecretNode], m[SecretLink], m[SecretOnion]
}

func TestBlobLayout(t *testing.T) {
	node, link, onion := blobs(t)
	if len(node) != 65 || len(link) != 97 || len(onion) != 34+2*68 {
		t.Fatalf("blob lengths %d/%d/%d, want 65/97/170", len(node), len(link), len(onion))
	}
	if node[0] != 1 || link[0] != 1 || onion[0] != 1 || onion[33] != 2 {
		t.Fatal("version or count byte wrong")
	}
}

func TestBlobRoundTrip(t *testing.T) {
	node, link, onion := blobs(t)
	k, err := decodeNode(node)
	if err != nil || !bytes.Equal(encodeNode(k), node) {
		t.Fatalf("node: %v", err)
	}
	owner, lk, err := decodeLink(link)
	if err != nil || !bytes.Equal(encodeLink(owner, lk), link) {
		t.Fatalf("link: %v", err)
	}
	owner, oks, err := decodeOnion(onion)
	if err != nil || !bytes.Equal(encodeOnion(owner, oks), onion) {
		t.Fatalf("onion: %v", err)
	}
	if oks[0].Epoch+1 != oks[1].Epoch {
		t.Fatalf("onion epochs %d, %d", oks[0].Epoch, oks[1].Epoch)
	}
}

type decodeFn func([]byte) error

func decoders() map[string]decodeFn {
	return map[string]decodeFn{
		"node":  func(b []byte) error { _, err := decodeNode(b); return err },
		"link":  func(b []byte) error { _, _, err := decodeLink(b); return err },
		"onion": func(b []byte) error { _, _, err := decodeOnion(b); return err },
	}
}

func TestBlobNoPrefixNoTrailing(t *testing.T) {
	node, link, onion := blobs(t)
	in := map[string][]byte{"node": node, "link": link, "onion": onion}
	for name, dec := range decoders() {
		b := in[name]
		for n := range len(b) {
			if err := dec(b[:n]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: prefix of %d/%d bytes: err = %v", name, n, len(b), err)
			}
		}
		if err := dec(append(bytes.Clone(b), 0)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: trailing byte accepted", name)
		}
	}
}

// Flipping a bit in any key byte must be caught by the public-key check
// (owner bytes are checked by Load, not here).
func TestBlobBitFlipsDetected(t *testing.T) {
	node, link, onion := blobs(t)
	keyRanges := map[string][][2]int{
		"node":  {{0, 65}},
		"link":  {{0, 1}, {33, 97}},
		"onion": {{0, 1}, {34 + 4, 34 + 68}, {34 + 68 + 4, 170}},
	}
	in := map[string][]byte{"node": node, "link": link, "onion": onion}
	for name, dec := range decoders() {
		for _, r := range keyRanges[name] {
			for i := r[0]; i < r[1]; i++ {
				b := bytes.Clone(in[name])
				b[i] ^= 0x40
				if err := dec(b); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: flip at byte %d not detected", name, i)
				}
			}
		}
	}
}

func TestOnionBlobRejects(t *testing.T) {
	_, _, onion := blobs(t)
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(onion)) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"count 0", mut(func(b []byte) []byte { b[33] = 0; return b[:34] }), errOnionCount},
		{"count 3", mut(func(b []byte) []byte { b[33] = 3; return append(b, b[34:102]...) }), errOnionCount},
		{"count 255 short", mut(func(b []byte) []byte { b[33] = 255; return b }), errOnionCount},
		{"count 1 with 2 entries", mut(func(b []byte) []byte { b[33] = 1; return b }), errBlobLength},
		{"swapped epochs", mut(func(b []byte) []byte {
			e := append([]byte{}, b[34:102]...)
			copy(b[34:], b[102:170])
			copy(b[102:], e)
			return b
		}), errOnionOrder},
		{"gap in epochs", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[102:], binary.BigEndian.Uint32(b[34:])+2)
			return b
		}), errOnionOrder},
		{"zero owner", mut(func(b []byte) []byte { clear(b[1:33]); return b }), errOwnerKey},
		{"small-order owner", mut(func(b []byte) []byte { clear(b[1:33]); b[1] = 1; return b }), errOwnerKey},
		{"version 2", mut(func(b []byte) []byte { b[0] = 2; return b }), errBlobVersion},
	}
	for _, c := range cases {
		if owner, ks, err := decodeOnion(c.in); !errors.Is(err, c.want) || ks != nil || !owner.IsZero() {
			t.Errorf("%s: err = %v, want %v (and zero results)", c.name, err, c.want)
		}
	}
}

func TestZeroKeysRejected(t *testing.T) {
	node, link, _ := blobs(t)
	n := bytes.Clone(node)
	clear(n[1:33])
	if _, err := decodeNode(n); !errors.Is(err, errZeroKey) {
		t.Errorf("zero seed: %v", err)
	}
	l := bytes.Clone(link)
	clear(l[33:65])
	if _, _, err := decodeLink(l); !errors.Is(err, errNotClamped) {
		t.Errorf("zero link key: %v", err)
	}
}

func TestUnclampedRejected(t *testing.T) {
	_, link, _ := blobs(t)
	for _, m := range []struct{ at, bit int }{{33, 1}, {33, 4}, {64, 0x80}, {64, 0x40}} {
		l := bytes.Clone(link)
		l[m.at] ^= byte(m.bit)
		if _, _, err := decodeLink(l); !errors.Is(err, errNotClamped) {
			t.Errorf("byte %d ^ %#x: %v, want errNotClamped", m.at, m.bit, err)
		}
	}
}

func seedCorpus(f *testing.F, b []byte) {
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Add(append(bytes.Clone(b), 0))
	f.Add([]byte{})
	f.Add([]byte{1})
}

func FuzzDecodeNode(f *testing.F) {
	node, _, _ := blobs(f)
	seedCorpus(f, node)
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := decodeNode(b)
		if err != nil {
			if k != nil || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v with key set or not ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(encodeNode(k), b) {
			t.Fatal("re-encoding differs from input")
		}
	})
}

func FuzzDecodeLink(f *testing.F) {
	_, link, _ := blobs(f)
	seedCorpus(f, link)
	f.Fuzz(func(t *testing.T, b []byte) {
		owner, k, err := decodeLink(b)
		if err != nil {
			if k != nil || !owner.IsZero() || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v with results set or not ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(encodeLink(owner, k), b) {
			t.Fatal("re-encoding differs from input")
		}
	})
}

func FuzzDecodeOnion(f *testing.F) {
	_, _, onion := blobs(f)
	seedCorpus(f, onion)
	one := bytes.Clone(onion[:34+68])
	one[33] = 1
	f.Add(one)
	f.Fuzz(func(t *testing.T, b []byte) {
		owner, ks, err := decodeOnion(b)
		if err != nil {
			if ks != nil || !owner.IsZero() || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v with results set or not ErrCorrupt", err)
			}
			return
		}
		if len(ks) < 1 || len(ks) > MaxOnionKeys {
			t.Fatalf("%d keys decoded", len(ks))
		}
		if !bytes.Equal(encodeOnion(owner, ks), b) {
			t.Fatal("re-encoding differs from input")
		}
	})
}
