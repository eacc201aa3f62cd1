package cellframe

import (
	"errors"
	"testing"
)

var errMalformed, errTooLarge = errors.New("malformed"), errors.New("too large")

// TestBody: takes past the end fail and stay failed; Finish wants exact
// canonical zero padding; Open checks the header against the length.
func TestBody(t *testing.T) {
	frame, start := Begin(nil, 7)
	frame = End(append(frame, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 9), start, Unit)
	r, typ, err := Open(frame, Unit, errMalformed, errTooLarge)
	if err != nil || typ != 7 {
		t.Fatalf("Open: %d, %v", typ, err)
	}
	if r.U8() != 1 || r.U16() != 2 || r.U64() != 3 || string(r.Blob(1)) != "\x09" || r.Err {
		t.Fatal("fields read wrong")
	}
	if !r.Finish(Units) {
		t.Fatal("canonical padding refused")
	}
	bad := r
	bad.Off--
	if bad.Finish(Units) {
		t.Fatal("a nonzero byte in the padding accepted")
	}
	over := Body{B: frame, Off: HeaderLen + 1}
	if over.Blob(0) != nil || !over.Err || over.Take(1) != nil || over.U8() != 0 {
		t.Fatal("a failed take did not stick")
	}
	if _, _, err := Open(frame[:len(frame)-1], Unit, errMalformed, errTooLarge); !errors.Is(err, errMalformed) {
		t.Fatalf("short frame: %v", err)
	}
	if _, _, err := Open(frame, Unit-1, errMalformed, errTooLarge); !errors.Is(err, errTooLarge) {
		t.Fatalf("frame above max: %v", err)
	}
}
