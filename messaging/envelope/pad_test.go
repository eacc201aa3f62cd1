package envelope

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/warrennet/warren/messaging/ratchet"
)

func TestPadSizes(t *testing.T) {
	small := Sizes[0] - ratchet.MinMessageSize // 843
	mid := Sizes[1] - ratchet.MinMessageSize
	big := Sizes[2] - ratchet.MinMessageSize
	for _, c := range []struct{ n, total int }{
		{0, small}, {1, small}, {small - 2, small}, {small - 1, mid},
		{mid - 2, mid}, {mid - 1, big}, {MaxPayload, big},
	} {
		p := bytes.Repeat([]byte{0xab}, c.n)
		b, err := Pad(p)
		if err != nil || len(b) != c.total {
			t.Fatalf("Pad(%d bytes) = %d bytes, %v; want %d", c.n, len(b), err, c.total)
		}
		got, err := Unpad(b)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("Unpad(Pad(%d bytes)): %v", c.n, err)
		}
	}
	if _, err := Pad(make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Pad(MaxPayload+1) err = %v, want ErrTooLarge", err)
	}
}

// TestPadThroughRatchet checks the point of Pad: the ratchet's output is
// exactly an envelope size.
func TestPadThroughRatchet(t *testing.T) {
	keys, err := ratchet.NewInviteKeys(detRand(1))
	if err != nil {
		t.Fatal(err)
	}
	a, msg, err := ratchet.Initiate(keys.Public(), detRand(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ratchet.Respond(keys, msg, detRand(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 100, 841, 842, 3757, 3758, MaxPayload} {
		pt, _ := Pad(make([]byte, n))
		ct, err := a.Encrypt(pt, nil)
		if err != nil || !ValidSize(len(ct)) {
			t.Fatalf("payload %d: envelope %d bytes (valid %v), err %v", n, len(ct), ValidSize(len(ct)), err)
		}
		back, err := b.Decrypt(ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := Unpad(back); err != nil || len(p) != n {
			t.Fatalf("payload %d: Unpad gave %d bytes, %v", n, len(p), err)
		}
	}
}

func TestUnpadRejects(t *testing.T) {
	good, _ := Pad([]byte("abc"))
	overLen := bytes.Clone(good)
	binary.BigEndian.PutUint16(overLen, uint16(len(good)-1))
	dirty := bytes.Clone(good)
	dirty[len(dirty)-1] = 1
	justAfter := bytes.Clone(good)
	justAfter[2+3] = 1
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrSize},
		{"one byte", []byte{0}, ErrSize},
		{"short", good[:len(good)-1], ErrSize},
		{"long", append(bytes.Clone(good), 0), ErrSize},
		{"envelope size itself", make([]byte, Sizes[0]), ErrSize},
		{"length past end", overLen, ErrPadding},
		{"nonzero last byte", dirty, ErrPadding},
		{"nonzero first pad byte", justAfter, ErrPadding},
	} {
		if p, err := Unpad(c.b); !errors.Is(err, c.want) || p != nil {
			t.Errorf("%s: Unpad = %v, %v; want nil, %v", c.name, p, err, c.want)
		}
	}
}

func TestPadForOverheads(t *testing.T) {
	for _, oh := range []int{0, 40, 97, Sizes[0] - 2} {
		b, err := PadFor([]byte("x")[:0], oh)
		if err != nil || !ValidSize(len(b)+oh) {
			t.Fatalf("PadFor(empty, %d) = %d bytes, %v", oh, len(b), err)
		}
		if _, err := UnpadFor(b, oh); err != nil {
			t.Fatalf("UnpadFor(%d): %v", oh, err)
		}
	}
	if _, err := PadFor(nil, -1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("negative overhead: %v", err)
	}
	if _, err := UnpadFor(make([]byte, 940), -1); !errors.Is(err, ErrSize) {
		t.Fatalf("negative overhead: %v", err)
	}
	if _, err := UnpadFor(make([]byte, 1), Sizes[0]-1); !errors.Is(err, ErrSize) {
		t.Fatalf("1-byte input: %v", err)
	}
}
