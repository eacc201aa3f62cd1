package genesis

import (
	"bytes"
	"encoding/hex"
	"os"
	"testing"
)

func FuzzUnmarshalCanonical(f *testing.F) {
	for _, v := range loadVectors(f).Vectors {
		b, err := hex.DecodeString(v.Canonical)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := UnmarshalCanonical(b)
		if err != nil {
			if g != nil {
				t.Fatal("error with a non-nil genesis")
			}
			return
		}
		out, err := g.MarshalCanonical()
		if err != nil {
			t.Fatalf("decoded genesis does not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("re-encoding differs from the input")
		}
		id, err := g.ID()
		if err != nil || !bytes.Equal(id[:], idOf(b)) {
			t.Fatalf("ID is not the hash of the input: %v", err)
		}
		file, err := g.MarshalFile()
		if err != nil {
			t.Fatalf("decoded genesis has no file form: %v", err)
		}
		if p, err := ParseFile(file); err != nil || mustID(t, p) != id {
			t.Fatalf("file form does not parse back to the ID: %v", err)
		}
	})
}

func FuzzParseFile(f *testing.F) {
	example, err := os.ReadFile(exampleFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add(mustFile(f, Minimal("warren")))
	f.Add([]byte(`{"warren_genesis": 2}`))
	f.Add([]byte(`{"warren_genesis": 1, "name": "x", "name": "y"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseFile(b)
		if err != nil {
			if g != nil {
				t.Fatal("error with a non-nil genesis")
			}
			return
		}
		id := mustID(t, g)
		file, err := g.MarshalFile()
		if err != nil {
			t.Fatalf("parsed genesis does not marshal: %v", err)
		}
		p, err := ParseFile(file)
		if err != nil || mustID(t, p) != id {
			t.Fatalf("parse(marshal(g)) has another ID: %v", err)
		}
		if again, _ := p.MarshalFile(); !bytes.Equal(again, file) {
			t.Fatal("MarshalFile is not a fixed point")
		}
		c, err := UnmarshalCanonical(mustCanonical(t, g))
		if err != nil || mustID(t, c) != id {
			t.Fatalf("canonical form does not decode to the ID: %v", err)
		}
	})
}
