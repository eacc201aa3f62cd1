package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/warrennet/warren/overlay/record"
)

func seed(f *testing.F) {
	for _, v := range loadVectors(f) {
		m, err := hex.DecodeString(v.Message)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m)
	}
}

// checkRecs asserts what every decoded record list must satisfy.
func checkRecs(t *testing.T, recs [][]byte) {
	for _, r := range recs {
		if len(r) < record.MinSize || len(r) > record.MaxSize || cap(r) != len(r) {
			t.Fatalf("record of %d bytes (cap %d) decoded", len(r), cap(r))
		}
	}
}

func FuzzParsePush(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParsePush(b)
		if err != nil {
			if recs != nil || !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOversize) {
				t.Fatalf("error %v with %d records", err, len(recs))
			}
			return
		}
		checkRecs(t, recs)
		out, err := AppendPush(nil, recs)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}

func FuzzParseReply(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, done, err := ParseReply(b)
		if err != nil {
			if recs != nil || done || !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOversize) {
				t.Fatalf("error %v with %d records, done=%v", err, len(recs), done)
			}
			return
		}
		checkRecs(t, recs)
		out, err := AppendReply(nil, recs, done)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}

func FuzzParseGet(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseGet(b)
		if err != nil {
			if n != 0 || !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v with want %d", err, n)
			}
			return
		}
		out, err := AppendGet(nil, n)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}
