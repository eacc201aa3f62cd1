package cell

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// fill returns n copies of b.
func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkErr fails unless err matches want (nil meaning success).
func checkErr(t *testing.T, name string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", name, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: got error %v, want %v", name, err, want)
	}
}

func opaqueBody(b byte) *[BodyLen]byte {
	var body [BodyLen]byte
	for i := range body {
		body[i] = b + byte(i)
	}
	return &body
}

// validCells is one valid cell per command and a few edge sizes.
func validCells(t testing.TB) map[string]Cell {
	return map[string]Cell{
		"padding":           Padding(),
		"create nk 48":      mustF[Cell](t)(Create(0x80000001, HandshakeNK, fill(48, 0xc1))),
		"create max":        mustF[Cell](t)(Create(0x12345678, 0xfffe, fill(MaxHandshakeLen, 0xc2))),
		"create 1":          mustF[Cell](t)(Create(1, 0, []byte{0})),
		"created 1":         mustF[Cell](t)(Created(0xffffffff, []byte{0xff})),
		"created max":       mustF[Cell](t)(Created(0x7fffffff, fill(MaxHandshakeLen, 0xc3))),
		"relay":             mustF[Cell](t)(Relay(0x80000002, false, opaqueBody(7))),
		"relay_early":       mustF[Cell](t)(Relay(2, true, opaqueBody(0))),
		"destroy none":      mustF[Cell](t)(Destroy(0x80000003, ReasonNone)),
		"destroy replay":    mustF[Cell](t)(Destroy(3, ReasonReplay)),
		"destroy destroyed": mustF[Cell](t)(Destroy(0xdeadbeef, ReasonDestroyed)),
	}
}

// mustF adapts a (value, error) pair for use in a composite literal.
func mustF[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T { return must(t, v, err) }
}

var tag16 = [SendmeTagLen]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// validMsgs is one or more valid messages per relay command, with the
// edge sizes.
func validMsgs(t testing.TB) map[string]Msg {
	m := mustF[Msg](t)
	return map[string]Msg{
		"begin":          BeginMsg(1, "mailbox"),
		"begin max name": BeginMsg(0xffff, string(fill(MaxServiceName, 'z'))),
		"begin charset":  BeginMsg(7, "abc-xyz_0.9"),
		"data 1":         DataMsg(2, []byte{0}),
		"data max":       DataMsg(3, fill(MaxData, 0xd1)),
		"end done":       EndMsg(4, ReasonNone),
		"end no-service": EndMsg(4, ReasonNoService),
		"connected":      ConnectedMsg(5),
		"sendme stream":  StreamSendmeMsg(6),
		"sendme circuit": CircuitSendmeMsg(&tag16),
		"extend nk":      m(ExtendMsg(fill(200, 0xe1), HandshakeNK, fill(48, 0xe2))),
		"extend max":     m(ExtendMsg(fill(MaxExtendRecord, 0xe3), 9, fill(MaxData-6-MaxExtendRecord, 0xe4))),
		"extend max hs":  m(ExtendMsg(fill(MaxData-6-MaxHandshakeLen, 0xe5), HandshakeNK, fill(MaxHandshakeLen, 0xe6))),
		"extended":       m(ExtendedMsg(fill(48, 0xe7))),
		"extended max":   m(ExtendedMsg(fill(MaxHandshakeLen, 0xe8))),
		"truncated":      TruncatedMsg(ReasonConnectFailed),
		"drop empty":     DropMsg(nil),
		"drop max":       DropMsg(fill(MaxData, 0xff)),
	}
}

func encodeMsg(t testing.TB, m Msg) []byte {
	t.Helper()
	var buf [MsgLen]byte
	if err := EncodeMsg(&buf, m); err != nil {
		t.Fatalf("EncodeMsg %v: %v", m.Cmd, err)
	}
	return buf[:]
}

// rawMsg lays out a relay message by hand: header with the given length
// field, then body bytes from offset MsgHeaderLen whatever the length says.
func rawMsg(cmd RelayCmd, stream uint16, length int, body []byte) []byte {
	b := make([]byte, MsgLen)
	b[0] = byte(cmd)
	binary.BigEndian.PutUint16(b[1:], stream)
	binary.BigEndian.PutUint16(b[3:], uint16(length))
	copy(b[MsgHeaderLen:], body)
	return b
}

// rawCell lays out a cell by hand.
func rawCell(id uint32, cmd Command, body []byte) []byte {
	var c Cell
	c.SetHeader(id, cmd)
	copy(c.Body()[:], body)
	return c[:]
}

// with returns a copy of b with b[i] = v.
func with(b []byte, i int, v byte) []byte {
	b = bytes.Clone(b)
	b[i] = v
	return b
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
