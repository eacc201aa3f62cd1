package genesis

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"
)

func TestCanonicalRoundTrip(t *testing.T) {
	for name, g := range map[string]*Genesis{"minimal": Minimal("warren"), "sample": sample(), "largest": largest()} {
		b := mustCanonical(t, g)
		d, err := UnmarshalCanonical(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := g.canonical()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d, c) {
			t.Fatalf("%s: decoded %+v\nwant %+v", name, d, c)
		}
		if !bytes.Equal(mustCanonical(t, d), b) {
			t.Fatalf("%s: re-encoding differs", name)
		}
		if mustID(t, d) != mustID(t, g) {
			t.Fatalf("%s: ID differs after the round trip", name)
		}
	}
}

// TestCanonicalNoStrictPrefixDecodes: every strict prefix of every valid
// vector, and of the largest genesis, is refused with a nil genesis.
func TestCanonicalNoStrictPrefixDecodes(t *testing.T) {
	inputs := [][]byte{mustCanonical(t, largest())}
	for _, v := range loadVectors(t).Vectors {
		if v.Expect == "ok" {
			b, _ := hex.DecodeString(v.Canonical)
			inputs = append(inputs, b)
		}
	}
	for _, b := range inputs {
		for i := range b {
			if g, err := UnmarshalCanonical(b[:i]); err == nil || g != nil {
				t.Fatalf("prefix of %d of %d bytes decodes", i, len(b))
			}
		}
	}
}

func TestCanonicalTooLong(t *testing.T) {
	b := append(mustCanonical(t, largest()), 0)
	wantErr(t, fst(UnmarshalCanonical(b)), ErrMalformed, "")
}

// TestCanonicalErrorFields: decoder errors name the field, by its index
// in the input.
func TestCanonicalErrorFields(t *testing.T) {
	r := rawSample()
	r.peers[2].addrs[0], r.peers[2].addrs[1] = r.peers[2].addrs[1], r.peers[2].addrs[0]
	wantErr(t, fst(UnmarshalCanonical(r.bytes())), ErrMalformed, "bootstrap[2].addrs[1]")
	r = rawSample()
	r.peers[1].link = [32]byte{}
	wantErr(t, fst(UnmarshalCanonical(r.bytes())), ErrInvalid, "bootstrap[1].link_key")
	r = rawSample()
	r.vals[3].key = r.vals[2].key
	wantErr(t, fst(UnmarshalCanonical(r.bytes())), ErrInvalid, "validators[3].key")
	r = rawSample()
	r.vals[3].name = r.vals[0].name
	wantErr(t, fst(UnmarshalCanonical(r.bytes())), ErrInvalid, "validators[3].name")
	b := rawSample().bytes()
	wantErr(t, fst(UnmarshalCanonical(b[:len(b)-3])), ErrMalformed, "ledger")
	wantErr(t, fst(UnmarshalCanonical(b[:len(b)-len(sampleLedger)-4-3])), ErrMalformed, "validators[3].name")
	wantErr(t, fst(UnmarshalCanonical(append(b, 0))), ErrMalformed, "")
}

// TestCanonicalDoesNotAliasInput: the decoded genesis shares no memory
// with the input.
func TestCanonicalDoesNotAliasInput(t *testing.T) {
	b := mustCanonical(t, sample())
	g, err := UnmarshalCanonical(b)
	if err != nil {
		t.Fatal(err)
	}
	want := mustCanonical(t, g)
	for i := range b {
		b[i] ^= 0xff
	}
	if got := mustCanonical(t, g); !bytes.Equal(got, want) {
		t.Fatal("changing the input changed the decoded genesis")
	}
	if slices.Equal(b, want) {
		t.Fatal("the input did not change")
	}
}

func fst[T any](_ T, err error) error { return err }
