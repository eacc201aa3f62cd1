package ledgerwire

import (
	"bytes"
	"testing"
)

func FuzzRequest(f *testing.F) {
	for _, m := range requests(f) {
		f.Add(encodeReq(f, m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeRequest(b)
		if err != nil {
			if m != nil {
				t.Fatal("error with a value")
			}
			return
		}
		again, err := AppendRequest(nil, m)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

func FuzzResponse(f *testing.F) {
	for _, m := range responses(f) {
		f.Add(encodeResp(f, m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeResponse(b)
		if err != nil {
			if m != nil {
				t.Fatal("error with a value")
			}
			return
		}
		again, err := AppendResponse(nil, m)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}
