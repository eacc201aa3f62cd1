package msg

import (
	"bytes"
	"errors"
	"testing"
)

var vectors = []struct {
	name string
	in   []byte
	want Msg
	err  error
}{
	{"ping", []byte{1, 0, 0, 0, 0, 0, 0, 0, 42}, Msg{Type: TypePing, Nonce: 42}, nil},
	{"pong", []byte{2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Msg{Type: TypePong, Nonce: ^uint64(0)}, nil},
	{"proto overlay", []byte{3, 1}, Msg{Type: TypeProto, Proto: ProtoOverlay}, nil},
	{"proto circuits", []byte{3, 2}, Msg{Type: TypeProto, Proto: ProtoCircuits}, nil},
	{"proto unknown", []byte{3, 3}, Msg{}, ErrUnknownType},
	{"proto zero", []byte{3, 0}, Msg{}, ErrUnknownType},
	{"proto short", []byte{3}, Msg{}, ErrLength},
	{"proto trailing", []byte{3, 1, 0}, Msg{}, ErrLength},
	{"empty", nil, Msg{}, ErrEmpty},
	{"unknown", []byte{0x7f, 0, 0, 0, 0, 0, 0, 0, 0}, Msg{}, ErrUnknownType},
	{"zero type", []byte{0}, Msg{}, ErrUnknownType},
	{"short ping", []byte{1, 0, 0}, Msg{}, ErrLength},
	{"trailing byte", []byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 0}, Msg{}, ErrLength},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		got, err := Parse(v.in)
		if !errors.Is(err, v.err) || got != v.want {
			t.Errorf("%s: Parse = %+v, %v; want %+v, %v", v.name, got, err, v.want, v.err)
		}
	}
}

func TestRoundTripAndPrefixes(t *testing.T) {
	for _, m := range []Msg{{Type: TypePing, Nonce: 7}, {Type: TypePong, Nonce: 1 << 63}, {Type: TypeProto, Proto: ProtoCircuits}} {
		b, err := m.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Parse(b); err != nil || got != m {
			t.Fatalf("round trip %+v: %+v, %v", m, got, err)
		}
		for i := range len(b) {
			if _, err := Parse(b[:i]); err == nil {
				t.Errorf("%v: prefix of %d bytes parsed", m.Type, i)
			}
		}
	}
	if !bytes.Equal(AppendPing(nil, 5), []byte{1, 0, 0, 0, 0, 0, 0, 0, 5}) {
		t.Error("AppendPing encoding changed")
	}
	if _, err := (Msg{Type: 9}).Append(nil); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Append of unknown type: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if m != (Msg{}) {
				t.Fatalf("error with non-zero value %+v", m)
			}
			return
		}
		out, err := m.Append(nil)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encode %x != %x (%v)", out, b, err)
		}
	})
}
