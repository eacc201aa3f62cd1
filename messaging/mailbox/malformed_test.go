package mailbox

import (
	"encoding/binary"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox/wire"
)

func validDeposit(t *testing.T) []byte {
	b, err := wire.AppendRequest(nil, wire.Deposit{Queue: QueueID{1}, Envelope: make([]byte, envelope.Sizes[0])})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMalformedFrames(t *testing.T) {
	h := newHarness(t, nil)
	good := h.client()
	q, sec := h.create(good)
	hdr := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	cases := map[string]func() []byte{
		"length not whole units": func() []byte { return append(hdr(5), 1, 2, 3, 4, 5) },
		"zero length":            func() []byte { return hdr(0) },
		"oversize":               func() []byte { return append(hdr(wire.MaxRequestFrame), make([]byte, wire.Unit)...) },
		"huge":                   func() []byte { return hdr(0xffffffff) },
		"non-zero padding": func() []byte {
			b := validDeposit(t)
			b[len(b)-1] = 1
			return b
		},
		"unknown type": func() []byte {
			b := validDeposit(t)
			b[wire.HeaderLen] = 0x66
			return b
		},
		"extra unit of padding": func() []byte {
			b := append(validDeposit(t), make([]byte, wire.Unit)...)
			binary.BigEndian.PutUint32(b, uint32(len(b)-wire.HeaderLen))
			return b
		},
		"a response sent as a request": func() []byte {
			b, _ := wire.AppendResponse(nil, wire.OK{})
			return b
		},
	}
	for name, frame := range cases {
		before := h.srv.Stats().Malformed
		s := h.stream()
		go s.Write(frame()) // may fail half-way: the server closes
		b, err := readFrame(s, wire.MaxResponseFrame)
		if err != nil {
			t.Fatalf("%s: no answer: %v", name, err)
		}
		if resp, err := wire.DecodeResponse(b); err != nil || resp != (wire.Error{Code: wire.CodeMalformed}) {
			t.Fatalf("%s: answer %+v, %v", name, resp, err)
		}
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Fatalf("%s: stream still open", name)
		}
		s.Close()
		eventually(t, name+" counted", func() bool { return h.srv.Stats().Malformed == before+1 })
	}
	// A truncated frame: the client hangs up inside it.
	before := h.srv.Stats().Malformed
	s := h.stream()
	if _, err := s.Write(validDeposit(t)[:wire.Unit]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	eventually(t, "truncated frame counted", func() bool { return h.srv.Stats().Malformed == before+1 })
	// The server still serves everyone else.
	mustDeposit(t, good, q, newEnv(testRand(11), 0))
	if got := mustFetch(t, good, q, sec, 0, 5); len(got) != 1 {
		t.Fatalf("after malformed input: %d", len(got))
	}
	// An orderly end of stream is not malformed.
	m := h.srv.Stats().Malformed
	h.stream().Close()
	h.client().Close()
	good.Close()
	h.net.Wait() // every handler has returned
	if h.srv.Stats().Malformed != m {
		t.Fatal("a clean close was counted as malformed")
	}
}

// A mailbox that answers garbage breaks the client with ErrProtocol.
func TestClientRefusesBadAnswers(t *testing.T) {
	h := newHarness(t, nil)
	answers := map[string]wire.Response{
		"wrong type":          wire.Created{},
		"id not of envelope":  wire.Msgs{Messages: []wire.Message{{ID: MsgID{1}, Envelope: make([]byte, envelope.Sizes[0])}}},
		"more than asked for": wire.Msgs{Messages: make2(envelope.Sizes[0])},
	}
	for name, ans := range answers {
		h.net.Host(relay).Handle("evil", func(s circapiStream) {
			if _, err := readFrame(s, wire.MaxRequestFrame); err != nil {
				return
			}
			b, _ := wire.AppendResponse(nil, ans)
			s.Write(b)
		})
		s, err := h.net.Dialer(relay).Open(t.Context(), purpose(name), relay, "evil")
		if err != nil {
			t.Fatal(err)
		}
		c := NewClient(s)
		if _, err := c.Fetch(t.Context(), QueueID{}, Secret{}, 0, 1); err != ErrProtocol {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := c.Fetch(t.Context(), QueueID{}, Secret{}, 0, 1); err != ErrBroken {
			t.Errorf("%s: client usable after a violation: %v", name, err)
		}
	}
}

func make2(size int) []wire.Message {
	e := make([]byte, size)
	m := wire.Message{ID: MsgIDOf(e), Envelope: e}
	return []wire.Message{m, m}
}
