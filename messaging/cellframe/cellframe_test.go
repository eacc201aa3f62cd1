package cellframe

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

var errMal, errBig = errors.New("malformed"), errors.New("too large")

func frameLen(hdr []byte, max int) (int, error) { return Len(hdr, max, errMal, errBig) }

// A frame built with Begin/End is whole units, reads back whole, and its
// header is what Len accepts; bad headers get the protocol's errors.
func TestFrame(t *testing.T) {
	f, start := Begin([]byte("prefix"), 7)
	f = append(f, []byte("body")...)
	f = End(f, start, Units(len(f)-start))
	frame := f[start:]
	if len(frame) != Unit || frame[HeaderLen] != 7 || !bytes.Equal(frame[5:9], []byte("body")) {
		t.Fatalf("frame %d bytes", len(frame))
	}
	if !bytes.Equal(frame[9:], make([]byte, Unit-9)) {
		t.Fatal("padding is not zero")
	}
	got, err := Read(bytes.NewReader(frame), 2*Unit, frameLen)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("Read: %v", err)
	}
	for _, c := range []struct {
		name string
		hdr  []byte
		max  int
		want error
	}{
		{"short", []byte{0, 0, 1}, Unit, errMal},
		{"empty", []byte{0, 0, 0, 0}, Unit, errMal},
		{"not a unit", []byte{0, 0, 0, 9}, Unit, errMal},
		{"above max", frame[:4], Unit - 1, errBig},
	} {
		if _, err := Len(c.hdr, c.max, errMal, errBig); err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Read(bytes.NewReader(frame[:Unit-1]), Unit, frameLen); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut frame: %v", err)
	}
	if _, err := Read(bytes.NewReader(nil), Unit, frameLen); err != io.EOF {
		t.Fatalf("empty stream: %v", err)
	}
}
