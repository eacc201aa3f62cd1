package record

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

func FuzzUnmarshal(f *testing.F) {
	for _, v := range loadVectors(f) {
		b, err := hex.DecodeString(v.Record)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			if r != nil {
				t.Fatal("error with a non-nil record")
			}
			return
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatalf("decoded record does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("re-encoding differs from the input")
		}
		_ = r.Verify(netA, time.Unix(int64(r.IssuedAt&(1<<62-1)), 0))
	})
}
