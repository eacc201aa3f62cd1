package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	ids := make([][16]byte, MaxReceiptIDs)
	for i := range ids {
		ids[i] = id(byte(i))
	}
	for _, p := range []Payload{
		sampleText(),
		Text{ID: id(2), Seq: 1, Sent: -5, Body: []byte{}},
		Text{ID: id(3), Seq: ^uint64(0), Body: bytes.Repeat([]byte("é"), MaxTextBody/2)},
		Receipt{IDs: [][16]byte{id(9)}},
		Receipt{IDs: ids},
		sampleHello(),
		Hello{Name: "", Queues: []QueueAddr{qa(1), qa(2), qa(3), qa(4)}},
		Hello{Name: strings.Repeat("n", MaxNameLen), Queues: []QueueAddr{qa(7)}},
		Payment{ID: id(4), Cert: []byte{1}},
		Payment{ID: id(5), Cert: bytes.Repeat([]byte{0xc3}, MaxPaymentCert)},
	} {
		b := mustEncode(t, p)
		if b[0] != byte(p.Type()) {
			t.Fatalf("%T: type byte %d", p, b[0])
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(%T)): %v", p, err)
		}
		if !equalPayload(got, p) {
			t.Fatalf("%T: round trip changed the value", p)
		}
		padded, err := Pad(b)
		if err != nil {
			t.Fatalf("%T (%d bytes) does not pad: %v", p, len(b), err)
		}
		if _, err := Unpad(padded); err != nil {
			t.Fatal(err)
		}
	}
}

// equalPayload compares, treating a nil and an empty body alike.
func equalPayload(a, b Payload) bool {
	ta, okA := a.(Text)
	tb, okB := b.(Text)
	if okA && okB {
		return ta.ID == tb.ID && ta.Seq == tb.Seq && ta.Sent == tb.Sent && bytes.Equal(ta.Body, tb.Body)
	}
	return reflect.DeepEqual(a, b)
}

func TestEncodeRejects(t *testing.T) {
	long := sampleText()
	long.Body = make([]byte, MaxTextBody+1)
	tooMany := Receipt{IDs: make([][16]byte, MaxReceiptIDs+1)}
	for i := range tooMany.IDs {
		tooMany.IDs[i] = id(byte(i))
	}
	for _, c := range []struct {
		name string
		p    Payload
		want error
	}{
		{"nil", nil, ErrMalformed},
		{"seq 0", Text{ID: id(1), Body: []byte("x")}, ErrMalformed},
		{"body too long", long, ErrTooLarge},
		{"body not utf-8", Text{Seq: 1, Body: []byte{0xff}}, ErrText},
		{"no ids", Receipt{}, ErrMalformed},
		{"65 ids", tooMany, ErrMalformed},
		{"duplicate ids", Receipt{IDs: [][16]byte{id(1), id(2), id(1)}}, ErrDuplicate},
		{"no queues", Hello{Name: "a"}, ErrMalformed},
		{"5 queues", Hello{Queues: []QueueAddr{qa(1), qa(2), qa(3), qa(4), qa(5)}}, ErrMalformed},
		{"duplicate queues", Hello{Queues: []QueueAddr{qa(1), qa(1)}}, ErrDuplicate},
		{"name too long", Hello{Name: strings.Repeat("n", MaxNameLen+1), Queues: []QueueAddr{qa(1)}}, ErrTooLarge},
		{"name not utf-8", Hello{Name: "a\xc0", Queues: []QueueAddr{qa(1)}}, ErrText},
		{"name with escape", Hello{Name: "a\x1b[2J", Queues: []QueueAddr{qa(1)}}, ErrText},
		{"name with newline", Hello{Name: "a\nb", Queues: []QueueAddr{qa(1)}}, ErrText},
		{"name with C1 control", Hello{Name: "a\u009bb", Queues: []QueueAddr{qa(1)}}, ErrText},
		{"name with RLO", Hello{Name: "evil\u202egnp.exe", Queues: []QueueAddr{qa(1)}}, ErrText},
		{"empty certificate", Payment{ID: id(1)}, ErrMalformed},
		{"certificate too long", Payment{ID: id(1), Cert: make([]byte, MaxPaymentCert+1)}, ErrTooLarge},
	} {
		if b, err := Encode(c.p); !errors.Is(err, c.want) || b != nil {
			t.Errorf("%s: Encode = %d bytes, %v; want %v", c.name, len(b), err, c.want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	text := mustEncode(t, sampleText())
	hello := mustEncode(t, sampleHello())
	rcpt := mustEncode(t, Receipt{IDs: [][16]byte{id(1), id(2)}})
	set := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	dupRcpt := bytes.Clone(rcpt)
	copy(dupRcpt[2+16:], dupRcpt[2:2+16])
	dupHello := mustEncode(t, Hello{Name: "", Queues: []QueueAddr{qa(1), qa(2)}})
	copy(dupHello[3+48:], dupHello[3:3+48])
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"type 0", set(text, 0, 0), ErrUnknownType},
		{"type 5", set(text, 0, 5), ErrUnknownType},
		{"type 255", set(text, 0, 255), ErrUnknownType},
		{"text trailing byte", append(bytes.Clone(text), 0), ErrMalformed},
		{"text seq 0", func() []byte { b := bytes.Clone(text); clear(b[17:25]); return b }(), ErrMalformed},
		{"text bad utf-8", set(text, len(text)-1, 0xff), ErrText},
		{"text length too long", set(text, 33, text[34]+1), ErrMalformed},
		{"oversize", make([]byte, MaxPayload+1), ErrTooLarge},
		{"receipt count 0", set(rcpt, 1, 0), ErrMalformed},
		{"receipt count 65", append([]byte{2, 65}, make([]byte, 65*16)...), ErrMalformed},
		{"receipt count > ids", set(rcpt, 1, 3), ErrMalformed},
		{"receipt trailing", append(bytes.Clone(rcpt), 0), ErrMalformed},
		{"receipt duplicate", dupRcpt, ErrDuplicate},
		{"hello name len past end", set(hello, 1, 200), ErrMalformed},
		{"hello queue count 0", set(dupHello, 2, 0), ErrMalformed},
		{"hello queue count 5", set(dupHello, 2, 5), ErrMalformed},
		{"hello duplicate queue", dupHello, ErrDuplicate},
		{"hello trailing", append(bytes.Clone(hello), 0), ErrMalformed},
		{"hello control in name", set(hello, 2, 0x07), ErrText},
	} {
		if p, err := Decode(c.b); !errors.Is(err, c.want) || p != nil {
			t.Errorf("%s: Decode = %v, %v; want nil, %v", c.name, p, err, c.want)
		}
	}
}

// TestNoStrictPrefixDecodes: no proper prefix of a valid payload or
// padded payload decodes.
func TestNoStrictPrefixDecodes(t *testing.T) {
	for _, p := range []Payload{sampleText(), Receipt{IDs: [][16]byte{id(1), id(2)}}, sampleHello()} {
		b := mustEncode(t, p)
		for i := range len(b) {
			if got, err := Decode(b[:i]); err == nil {
				t.Fatalf("%T: prefix %d/%d decoded as %v", p, i, len(b), got)
			}
		}
		padded, _ := Pad(b)
		for i := range len(padded) {
			if _, err := Unpad(padded[:i]); err == nil {
				t.Fatalf("%T: padded prefix %d/%d unpadded", p, i, len(padded))
			}
		}
	}
}

func TestDecodeCopiesBody(t *testing.T) {
	b := mustEncode(t, sampleText())
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if string(p.(Text).Body) != string(sampleText().Body) {
		t.Fatal("decoded body aliases the input")
	}
}

func TestRedaction(t *testing.T) {
	secret := "hunter2-body"
	tx := Text{ID: id(0xee), Seq: 3, Body: []byte(secret)}
	h := Hello{Name: "Secret Name", Queues: []QueueAddr{qa(0xee)}}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	log.Info("m", "text", tx, "hello", h, "queue", qa(0xee))
	for _, s := range []string{fmt.Sprint(tx), fmt.Sprintf("%v %s", h, h), fmt.Sprint(qa(0xee)), logged.String()} {
		// 238 = 0xee, the first byte of the ID, relay and queue.
		if strings.Contains(s, secret) || strings.Contains(s, "Secret Name") || strings.Contains(s, "238") {
			t.Fatalf("leak in %q", s)
		}
	}
	if !strings.Contains(fmt.Sprint(tx), "12 bytes") {
		t.Fatalf("String lost the length: %s", tx)
	}
}
