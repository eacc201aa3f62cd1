package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func testCert() LinkCert {
	var c LinkCert
	for i := range c.Node {
		c.Node[i] = byte(i + 1)
	}
	for i := range c.Sig {
		c.Sig[i] = byte(0xA0 + i)
	}
	return c
}

func envelopeVectors() [][]byte {
	var out [][]byte
	for _, k := range []Kind{KindIK1, KindIK2, KindNK1, KindNK2} {
		n, _ := BodyLen(k)
		out = append(out, AppendEnvelope(nil, k, bytes.Repeat([]byte{0x5a}, n)))
	}
	return out
}

func TestEnvelopeLengths(t *testing.T) {
	want := map[Kind]int{KindIK1: 200, KindIK2: 144, KindNK1: 48, KindNK2: 144}
	for k, n := range want {
		got, ok := BodyLen(k)
		if !ok || got != n {
			t.Errorf("BodyLen(%#x) = %d, %v; want %d", k, got, ok, n)
		}
	}
	if MaxHandshakeMessage != 200 {
		t.Errorf("MaxHandshakeMessage = %d", MaxHandshakeMessage)
	}
}

func TestEnvelopeVector(t *testing.T) {
	b := AppendEnvelope(nil, KindNK1, make([]byte, NK1Len))
	if got := hex.EncodeToString(b[:3]); got != "210030" {
		t.Fatalf("NK1 header = %s, want 210030", got)
	}
	k, body, err := ParseEnvelope(b)
	if err != nil || k != KindNK1 || len(body) != NK1Len {
		t.Fatalf("ParseEnvelope = %v %d %v", k, len(body), err)
	}
}

func TestEnvelopeRejects(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"unknown kind", []byte{0x7f, 0, 48}, ErrKind},
		{"zero kind", []byte{0, 0, 0}, ErrKind},
		{"oversize declared", []byte{byte(KindIK1), 0xff, 0xff}, ErrLength},
		{"empty body declared", []byte{byte(KindNK1), 0, 0}, ErrLength},
		{"one short", []byte{byte(KindIK1), 0, IK1Len - 1}, ErrLength},
		{"one long", []byte{byte(KindIK1), 0, IK1Len + 1}, ErrLength},
		{"trailing", append(AppendEnvelope(nil, KindNK1, make([]byte, NK1Len)), 0), ErrTrailing},
	}
	for _, c := range cases {
		k, body, err := ParseEnvelope(c.in)
		if !errors.Is(err, c.err) || k != 0 || body != nil {
			t.Errorf("%s: got %v %v %v, want %v", c.name, k, body, err, c.err)
		}
	}
	if _, _, err := ParseEnvelopeHeader([]byte{byte(KindNK1), 0, NK1Len, 0}); !errors.Is(err, ErrTrailing) {
		t.Errorf("header trailing: %v", err)
	}
}

func TestEnvelopeNoStrictPrefix(t *testing.T) {
	for _, v := range envelopeVectors() {
		for i := 0; i < len(v); i++ {
			if k, body, err := ParseEnvelope(v[:i]); err == nil || k != 0 || body != nil {
				t.Fatalf("prefix %d of kind %#x decoded", i, v[0])
			}
		}
		if _, _, err := ParseEnvelope(v); err != nil {
			t.Fatalf("full vector: %v", err)
		}
	}
}

func TestEnvelopeHeaderNoAlloc(t *testing.T) {
	hdr := []byte{byte(KindIK1), 0xff, 0xff}
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = ParseEnvelopeHeader(hdr) })
	if allocs != 0 {
		t.Fatalf("ParseEnvelopeHeader allocates %v", allocs)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	p := InitPayload{Timestamp: 0x0102030405060708, Cert: testCert()}
	b := p.Append(nil)
	if len(b) != InitPayloadLen || hex.EncodeToString(b[:9]) != "010203040506070801" {
		t.Fatalf("InitPayload encoding %x", b[:9])
	}
	got, err := ParseInitPayload(b)
	if err != nil || got != p {
		t.Fatalf("ParseInitPayload = %+v %v", got, err)
	}
	r := RespPayload{Cert: testCert()}
	rb := r.Append(nil)
	gr, err := ParseRespPayload(rb)
	if err != nil || gr != r || len(rb) != RespPayloadLen {
		t.Fatalf("ParseRespPayload = %+v %v", gr, err)
	}
}

func TestPayloadRejects(t *testing.T) {
	p := InitPayload{Timestamp: 7, Cert: testCert()}
	good := p.Append(nil)
	for i := 0; i < len(good); i++ {
		if v, err := ParseInitPayload(good[:i]); err == nil || v != (InitPayload{}) {
			t.Fatalf("init prefix %d decoded", i)
		}
	}
	if _, err := ParseInitPayload(append(good, 0)); !errors.Is(err, ErrTrailing) {
		t.Errorf("init trailing: %v", err)
	}
	zeroTS := append([]byte(nil), good...)
	copy(zeroTS, make([]byte, 8))
	if _, err := ParseInitPayload(zeroTS); !errors.Is(err, ErrTimestamp) {
		t.Errorf("zero timestamp: %v", err)
	}
	zeroKey := append([]byte(nil), good...)
	copy(zeroKey[8:], make([]byte, 32))
	if _, err := ParseInitPayload(zeroKey); !errors.Is(err, ErrNodeKey) {
		t.Errorf("zero key: %v", err)
	}
	c := testCert()
	cb := c.Append(nil)
	for i := 0; i < len(cb); i++ {
		if v, err := ParseRespPayload(cb[:i]); err == nil || v != (RespPayload{}) {
			t.Fatalf("resp prefix %d decoded", i)
		}
	}
	if _, err := ParseRespPayload(append(cb, 1)); !errors.Is(err, ErrTrailing) {
		t.Errorf("resp trailing: %v", err)
	}
}

func TestCertMessage(t *testing.T) {
	var net, key [32]byte
	net[0], key[31] = 0xAA, 0xBB
	m := CertMessage(net, key)
	if !bytes.HasPrefix(m[:], []byte("warren/link-cert/v1")) || m[19] != 0xAA || m[CertMessageLen-1] != 0xBB {
		t.Fatalf("CertMessage layout %x", m)
	}
}

func TestSizes(t *testing.T) {
	wantWire := [NumSizes]int{532, 2068, 16404, 65539}
	if WireSizes != wantWire {
		t.Fatalf("WireSizes = %v", WireSizes)
	}
	if MaxWireFrame != 65539 || PrefixLen != 20 || MaskedHeaderLen != HeaderLen {
		t.Fatalf("MaxWireFrame %d, PrefixLen %d, MaskedHeaderLen %d", MaxWireFrame, PrefixLen, MaskedHeaderLen)
	}
	// The mask's sample must exist in every body, the smallest included.
	if SampleLen > CellSize || SampleLen != 16 {
		t.Fatalf("SampleLen %d", SampleLen)
	}
	for c := uint8(0); c < NumSizes; c++ {
		if SizeOf(c) != FrameSizes[c] {
			t.Errorf("SizeOf(%d) = %d", c, SizeOf(c))
		}
	}
	if SizeOf(NumSizes) != 0 {
		t.Error("SizeOf(out of range) != 0")
	}
	for _, tc := range []struct{ n, class int }{{0, 0}, {512, 0}, {513, 1}, {2048, 1}, {2049, 2}, {16385, 3}, {MaxSize, 3}} {
		c, ok := ClassFor(tc.n)
		if !ok || int(c) != tc.class {
			t.Errorf("ClassFor(%d) = %d %v", tc.n, c, ok)
		}
	}
	if _, ok := ClassFor(MaxSize + 1); ok {
		t.Error("ClassFor(MaxSize+1) ok")
	}
	if _, ok := ClassFor(-1); ok {
		t.Error("ClassFor(-1) ok")
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{Type: FrameData, Class: 1, Length: 2000}
	var b [HeaderLen]byte
	h.Put(&b)
	if hex.EncodeToString(b[:]) != "010107d0" {
		t.Fatalf("header encoding %x", b)
	}
	got, err := ParseHeader(b[:])
	if err != nil || got != h {
		t.Fatalf("ParseHeader = %+v %v", got, err)
	}
}

func TestHeaderRejects(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		err  error
	}{
		{"type zero", []byte{0, 0, 0, 0}, ErrFrameType},
		{"type 5", []byte{5, 0, 0, 0}, ErrFrameType},
		{"class 4", []byte{1, 4, 0, 0}, ErrClass},
		{"class ff", []byte{1, 0xff, 0, 1}, ErrClass},
		{"oversize cell", []byte{1, 0, 0x02, 0x01}, ErrOversize},
		{"oversize max", []byte{1, 3, 0xff, 0xff}, ErrOversize},
		{"keepalive with payload", []byte{2, 0, 0, 1}, ErrControlLen},
		{"close with payload", []byte{4, 0, 0, 1}, ErrControlLen},
		{"trailing", []byte{1, 0, 0, 0, 0}, ErrTrailing},
	}
	for _, c := range cases {
		h, err := ParseHeader(c.in)
		if !errors.Is(err, c.err) || h != (Header{}) {
			t.Errorf("%s: got %+v %v, want %v", c.name, h, err, c.err)
		}
	}
	for i := 0; i < HeaderLen; i++ {
		if _, err := ParseHeader([]byte{1, 0, 0, 0}[:i]); !errors.Is(err, ErrTruncated) {
			t.Errorf("prefix %d: %v", i, err)
		}
	}
}

func FuzzEnvelope(f *testing.F) {
	for _, v := range envelopeVectors() {
		f.Add(v)
	}
	f.Add([]byte{byte(KindIK1), 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, body, err := ParseEnvelope(b)
		if err != nil {
			if k != 0 || body != nil {
				t.Fatal("error with non-zero value")
			}
			return
		}
		if !bytes.Equal(AppendEnvelope(nil, k, body), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzInitPayload(f *testing.F) {
	p := InitPayload{Timestamp: 99, Cert: testCert()}
	f.Add(p.Append(nil))
	f.Add(make([]byte, InitPayloadLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseInitPayload(b)
		if err != nil {
			if v != (InitPayload{}) {
				t.Fatal("error with non-zero value")
			}
			return
		}
		if !bytes.Equal(v.Append(nil), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzRespPayload(f *testing.F) {
	c := testCert()
	f.Add(c.Append(nil))
	f.Add(make([]byte, RespPayloadLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseRespPayload(b)
		if err != nil {
			if v != (RespPayload{}) {
				t.Fatal("error with non-zero value")
			}
			return
		}
		if !bytes.Equal(v.Append(nil), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzHeader(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0})
	f.Add([]byte{2, 3, 0, 0})
	f.Add([]byte{1, 3, 0xff, 0xef})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if h != (Header{}) {
				t.Fatal("error with non-zero value")
			}
			return
		}
		if int(h.Length) > h.BodyLen() {
			t.Fatal("accepted oversize length")
		}
		var out [HeaderLen]byte
		h.Put(&out)
		if !bytes.Equal(out[:], b) {
			t.Fatal("re-encoding differs")
		}
	})
}
