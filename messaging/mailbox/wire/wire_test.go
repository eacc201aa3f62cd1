package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
)

func env(size int, fill byte) []byte { return bytes.Repeat([]byte{fill}, size) }

func requests() []Request {
	q := QueueID{1, 2, 3}
	s := Secret{9, 8, 7}
	return []Request{
		Create{Auth: AuthOf(&s)},
		Deposit{Queue: q, Envelope: env(envelope.Sizes[0], 0xaa)},
		Deposit{Queue: q, Envelope: env(envelope.Sizes[1], 0xbb)},
		Deposit{Queue: q, Envelope: env(envelope.MaxSize, 0xcc)},
		Fetch{Queue: q, Secret: s, Wait: 0, Max: 1},
		Fetch{Queue: q, Secret: s, Wait: MaxWait, Max: 255},
		Ack{Queue: q, Secret: s, IDs: []MsgID{{1}}},
		Ack{Queue: q, Secret: s, IDs: make([]MsgID, MaxAck)},
		Delete{Queue: q, Secret: s},
		FetchAck{Queue: q, Secret: s, Wait: 0, Max: 1, IDs: []MsgID{{1}}},
		FetchAck{Queue: q, Secret: s, Wait: MaxWait, Max: 255, IDs: make([]MsgID, MaxAck)},
	}
}

func responses() []Response {
	small := env(envelope.Sizes[0], 0x11)
	big := env(envelope.MaxSize, 0x22)
	four := make([]Message, 4)
	for i := range four {
		four[i] = Message{ID: MsgIDOf(big), Envelope: big}
	}
	return []Response{
		Created{Queue: QueueID{0xff}},
		OK{},
		Msgs{Messages: []Message{}},
		Msgs{Messages: []Message{{ID: MsgIDOf(small), Envelope: small}}},
		Msgs{Messages: four},
		Error{Code: CodeNoQueue},
		Error{Code: CodeUnavailable},
	}
}

func mustReq(t testing.TB, m Request) []byte {
	t.Helper()
	b, err := AppendRequest(nil, m)
	if err != nil {
		t.Fatalf("AppendRequest(%T): %v", m, err)
	}
	return b
}

func mustResp(t testing.TB, m Response) []byte {
	t.Helper()
	b, err := AppendResponse(nil, m)
	if err != nil {
		t.Fatalf("AppendResponse(%T): %v", m, err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, m := range requests() {
		b := mustReq(t, m)
		checkFrameShape(t, b)
		got, err := DecodeRequest(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("%T: got %+v, %v", m, got, err)
		}
		if _, err := DecodeResponse(b); err == nil {
			t.Errorf("%T decoded as a response", m)
		}
	}
	for _, m := range responses() {
		b := mustResp(t, m)
		checkFrameShape(t, b)
		got, err := DecodeResponse(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("%T: got %+v, %v", m, got, err)
		}
		if _, err := DecodeRequest(b); err == nil {
			t.Errorf("%T decoded as a request", m)
		}
	}
}

// checkFrameShape checks the padding rule from outside: whole units and
// header = rest. (That the units are the fewest is TestDepositUnits and
// the "extra unit of padding" mutation.)
func checkFrameShape(t *testing.T, b []byte) {
	t.Helper()
	if len(b)%Unit != 0 || len(b) == 0 {
		t.Fatalf("frame of %d bytes is not whole units", len(b))
	}
	if int(binary.BigEndian.Uint32(b)) != len(b)-HeaderLen {
		t.Fatalf("header %d for %d bytes", binary.BigEndian.Uint32(b), len(b))
	}
}

// A deposit is exactly 2, 8 or 32 units, as envelope.Sizes promises.
func TestDepositUnits(t *testing.T) {
	for i, want := range []int{2, 8, 32} {
		b := mustReq(t, Deposit{Envelope: env(envelope.Sizes[i], 1)})
		if len(b) != want*Unit {
			t.Errorf("deposit of %d: %d bytes, want %d units", envelope.Sizes[i], len(b), want)
		}
	}
	if b := mustResp(t, OK{}); len(b) != Unit {
		t.Errorf("OK is %d bytes", len(b))
	}
}

func allFrames(t testing.TB) (reqs, resps [][]byte) {
	for _, m := range requests() {
		reqs = append(reqs, mustReq(t, m))
	}
	for _, m := range responses() {
		resps = append(resps, mustResp(t, m))
	}
	return reqs, resps
}

func TestNoStrictPrefixDecodes(t *testing.T) {
	reqs, resps := allFrames(t)
	for _, b := range reqs {
		for n := range len(b) {
			if m, err := DecodeRequest(b[:n]); err == nil || m != nil {
				t.Fatalf("prefix %d/%d of request decoded", n, len(b))
			}
		}
	}
	for _, b := range resps {
		for n := range len(b) {
			if m, err := DecodeResponse(b[:n]); err == nil || m != nil {
				t.Fatalf("prefix %d/%d of response decoded", n, len(b))
			}
		}
	}
}

func decodeAny(b []byte) error {
	if _, err := DecodeRequest(b); err == nil {
		return nil
	}
	_, err := DecodeResponse(b)
	return err
}

func TestRejects(t *testing.T) {
	reqs, resps := allFrames(t)
	for i, b := range append(reqs, resps...) {
		for name, bad := range mutations(b) {
			if err := decodeAny(bad); err == nil {
				t.Errorf("frame %d, %s: accepted", i, name)
			}
		}
	}
}

// mutations returns invalid variants of a valid frame b.
func mutations(b []byte) map[string][]byte {
	out := map[string][]byte{}
	withLen := func(extra []byte) []byte {
		c := append(append([]byte(nil), b...), extra...)
		binary.BigEndian.PutUint32(c, uint32(len(c)-HeaderLen))
		return c
	}
	out["trailing byte"] = append(append([]byte(nil), b...), 0)
	out["extra unit of padding"] = withLen(make([]byte, Unit))
	c := append([]byte(nil), b...)
	c[len(c)-1] |= 0x80 // last byte is padding or envelope; see below
	if bytes.Count(b[len(b)-8:], []byte{0}) == 8 {
		out["non-zero padding"] = c
	}
	c = append([]byte(nil), b...)
	c[HeaderLen] = 0x7f
	out["unknown type"] = c
	c = append([]byte(nil), b...)
	binary.BigEndian.PutUint32(c, uint32(len(b)))
	out["length one too many"] = c
	c = append([]byte(nil), b...)
	binary.BigEndian.PutUint32(c, 0xffffffff)
	out["huge length"] = c
	return out
}

func TestBadFields(t *testing.T) {
	s := Secret{1}
	for name, m := range map[string]Request{
		"deposit bad size": Deposit{Envelope: env(envelope.Sizes[0]+1, 1)},
		"deposit empty":    Deposit{},
		"fetch wait 61":    Fetch{Secret: s, Wait: MaxWait + 1, Max: 1},
		"fetch max 0":      Fetch{Secret: s, Max: 0},
		"ack none":         Ack{Secret: s},
		"ack 65":           Ack{Secret: s, IDs: make([]MsgID, MaxAck+1)},
		"fetchack none":    FetchAck{Secret: s, Max: 1},
		"fetchack 65":      FetchAck{Secret: s, Max: 1, IDs: make([]MsgID, MaxAck+1)},
		"fetchack wait 61": FetchAck{Secret: s, Wait: MaxWait + 1, Max: 1, IDs: []MsgID{{1}}},
		"fetchack max 0":   FetchAck{Secret: s, IDs: []MsgID{{1}}},
	} {
		if _, err := AppendRequest(nil, m); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: encoded (%v)", name, err)
		}
	}
	if _, err := AppendResponse(nil, Error{Code: 9}); !errors.Is(err, ErrInvalid) {
		t.Errorf("error code 9 encoded")
	}
	big := env(envelope.MaxSize, 1)
	five := Msgs{Messages: []Message{{Envelope: big}, {Envelope: big}, {Envelope: big}, {Envelope: big}, {Envelope: big}}}
	if _, err := AppendResponse(nil, five); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversize MSGS encoded (%v)", err)
	}
	// The same field errors, crafted by hand, are refused by the decoders.
	fetch := mustReq(t, Fetch{Secret: s, Wait: MaxWait, Max: 1})
	fetch[HeaderLen+1+QueueIDLen+SecretLen]++ // wait = 61
	ack := mustReq(t, Ack{Secret: s, IDs: []MsgID{{1}}})
	ack[HeaderLen+1+QueueIDLen+SecretLen] = 0 // count 0
	dep := mustReq(t, Deposit{Envelope: env(envelope.Sizes[0], 1)})
	binary.BigEndian.PutUint16(dep[HeaderLen+1+QueueIDLen:], uint16(envelope.Sizes[0]-1))
	fa := mustReq(t, FetchAck{Secret: s, Max: 1, IDs: []MsgID{{1}}})
	fa[HeaderLen+1+QueueIDLen+SecretLen+2] = 0 // count 0
	fa65 := mustReq(t, FetchAck{Secret: s, Max: 1, IDs: make([]MsgID, MaxAck)})
	fa65[HeaderLen+1+QueueIDLen+SecretLen+2] = MaxAck + 1 // count 65 (the frame has room)
	faMax := mustReq(t, FetchAck{Secret: s, Max: 1, IDs: []MsgID{{1}}})
	faMax[HeaderLen+1+QueueIDLen+SecretLen+1] = 0 // max 0
	for name, b := range map[string][]byte{"wait": fetch, "ack count": ack, "deposit len": dep,
		"fetchack count 0": fa, "fetchack count 65": fa65, "fetchack max 0": faMax} {
		if m, err := DecodeRequest(b); err == nil || m != nil {
			t.Errorf("%s: decoded", name)
		}
	}
	e := mustResp(t, Error{Code: CodeMalformed})
	e[HeaderLen+1] = 0
	if m, err := DecodeResponse(e); err == nil || m != nil {
		t.Errorf("error code 0 decoded")
	}
}

func TestFrameLen(t *testing.T) {
	hdr := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	if n, err := FrameLen(hdr(Unit-HeaderLen), MaxRequestFrame); err != nil || n != Unit {
		t.Fatalf("one unit: %d, %v", n, err)
	}
	if _, err := FrameLen(hdr(MaxRequestFrame-HeaderLen+Unit), MaxRequestFrame); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over max: %v", err)
	}
	for _, n := range []uint32{0, 1, Unit, Unit - HeaderLen + 1, 0xffffffff} {
		if _, err := FrameLen(hdr(n), MaxResponseFrame); err == nil {
			t.Errorf("length %d accepted", n)
		}
	}
	if _, err := FrameLen([]byte{0, 0, 1}, MaxResponseFrame); err == nil {
		t.Error("short header accepted")
	}
}

func TestIDs(t *testing.T) {
	s := Secret{1, 2, 3}
	if s.String() != "mailbox-secret(redacted)" || s.LogValue().String() != "redacted" {
		t.Fatal("secret printed")
	}
	o := s
	if !s.Equal(&o) {
		t.Fatal("equal secrets differ")
	}
	o[31] = 1
	if s.Equal(&o) {
		t.Fatal("different secrets equal")
	}
	s.Zero()
	if s != (Secret{}) {
		t.Fatal("Zero left bytes")
	}
	a, b := MsgIDOf([]byte("a")), MsgIDOf([]byte("b"))
	if a == b || a != MsgIDOf([]byte("a")) {
		t.Fatal("MsgIDOf not a function of the envelope")
	}
}

func FuzzDecodeRequest(f *testing.F) {
	reqs, resps := allFrames(f)
	for _, b := range append(reqs, resps...) {
		f.Add(b)
		for _, m := range mutations(b) {
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeRequest(b)
		if err != nil {
			if m != nil {
				t.Fatal("error with a value")
			}
			return
		}
		out, err := AppendRequest(nil, m)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	reqs, resps := allFrames(f)
	for _, b := range append(resps, reqs...) {
		f.Add(b)
		for _, m := range mutations(b) {
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeResponse(b)
		if err != nil {
			if m != nil {
				t.Fatal("error with a value")
			}
			return
		}
		out, err := AppendResponse(nil, m)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
	})
}
