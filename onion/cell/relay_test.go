package cell

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

func TestMsgRoundTrip(t *testing.T) {
	for name, m := range validMsgs(t) {
		b := encodeMsg(t, m)
		got, err := ParseMsg(b, AllCmds)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: parsed %+v, want %+v", name, got, m)
		}
		if len(got.Data) > 0 && &got.Data[0] != &b[MsgHeaderLen] {
			t.Errorf("%s: Data does not alias the input", name)
		}
		if n := int(binary.BigEndian.Uint16(b[3:])); n != len(m.Data) || !isZero(b[MsgHeaderLen+n:]) {
			t.Errorf("%s: length field %d or padding wrong", name, n)
		}
	}
}

func TestMsgAccessors(t *testing.T) {
	ms := validMsgs(t)
	if s, err := ms["begin charset"].Service(); err != nil || s != "abc-xyz_0.9" {
		t.Errorf("Service = %q, %v", s, err)
	}
	if r, err := ms["end no-service"].Reason(); err != nil || r != ReasonNoService {
		t.Errorf("END Reason = %v, %v", r, err)
	}
	if r, err := ms["truncated"].Reason(); err != nil || r != ReasonConnectFailed {
		t.Errorf("TRUNCATED Reason = %v, %v", r, err)
	}
	if tag, circ, err := ms["sendme circuit"].Sendme(); err != nil || !circ || tag != tag16 {
		t.Errorf("circuit Sendme = %x, %v, %v", tag, circ, err)
	}
	if tag, circ, err := ms["sendme stream"].Sendme(); err != nil || circ || tag != ([16]byte{}) {
		t.Errorf("stream Sendme = %x, %v, %v", tag, circ, err)
	}
	rec, htype, hdata, err := ms["extend nk"].Extend()
	if err != nil || !bytes.Equal(rec, fill(200, 0xe1)) || htype != HandshakeNK || !bytes.Equal(hdata, fill(48, 0xe2)) {
		t.Errorf("Extend = %d-byte rec, %d, %d-byte hdata, %v", len(rec), htype, len(hdata), err)
	}
	if hdata, err := ms["extended"].Extended(); err != nil || !bytes.Equal(hdata, fill(48, 0xe7)) {
		t.Errorf("Extended = %x, %v", hdata, err)
	}
	// The exact EXTEND layout.
	m := mustF[Msg](t)(ExtendMsg([]byte{0xaa, 0xbb}, 0x0102, []byte{0xcc}))
	if want := []byte{0, 2, 0xaa, 0xbb, 1, 2, 0, 1, 0xcc}; !bytes.Equal(m.Data, want) {
		t.Errorf("EXTEND data % x, want % x", m.Data, want)
	}
}

func TestMsgAccessorErrors(t *testing.T) {
	data := DataMsg(1, []byte{1})
	for name, err := range map[string]error{
		"Service on data":        second(data.Service()),
		"Reason on data":         second(data.Reason()),
		"Sendme on data":         third(data.Sendme()),
		"Extend on data":         fourth(data.Extend()),
		"Extended on data":       second(data.Extended()),
		"Service bad name":       second(BeginMsg(1, "A").Service()),
		"Reason unknown":         second(EndMsg(1, 12).Reason()),
		"Reason on stream 0":     second(EndMsg(0, ReasonNone).Reason()),
		"Sendme bad version":     third(Msg{Cmd: RelaySendme, Data: append([]byte{2}, tag16[:]...)}.Sendme()),
		"Extend trailing byte":   fourth(Msg{Cmd: RelayExtend, Data: []byte{0, 1, 1, 0, 1, 0, 1, 1, 0}}.Extend()),
		"Extended trailing byte": second(Msg{Cmd: RelayExtended, Data: []byte{0, 1, 1, 0}}.Extended()),
	} {
		checkErr(t, name, err, ErrMalformed)
	}
}

func third[A, B any](_ A, _ B, err error) error          { return err }
func fourth[A, B, C any](_ A, _ B, _ C, err error) error { return err }

func TestParseMsgBad(t *testing.T) {
	data := encodeMsg(t, DataMsg(1, []byte("hi"))) // data ends at offset 7
	conn := encodeMsg(t, ConnectedMsg(1))          // padding starts at offset 5
	ext := validMsgs(t)["extend nk"]
	extB := encodeMsg(t, ext)
	extLen := len(ext.Data)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"one byte long", append(bytes.Clone(data), 0), ErrMalformed},
		{"a whole body", make([]byte, BodyLen), ErrMalformed},
		{"unknown 0", rawMsg(0, 0, 0, nil), ErrUnknownCommand},
		{"unknown 10", rawMsg(10, 1, 0, nil), ErrUnknownCommand},
		{"unknown 255", rawMsg(255, 1, 0, nil), ErrUnknownCommand},
		{"length 487", rawMsg(RelayData, 1, MaxData+1, fill(MaxData, 1)), ErrTooLong},
		{"length 0xffff", rawMsg(RelayDrop, 0, 0xffff, nil), ErrTooLong},
		{"data pad first", with(data, 7, 1), ErrMalformed},
		{"data pad middle", with(data, 200, 0x80), ErrMalformed},
		{"data pad last", with(data, MsgLen-1, 1), ErrMalformed},
		{"connected pad first", with(conn, MsgHeaderLen, 1), ErrMalformed},
		{"connected pad last", with(conn, MsgLen-1, 1), ErrMalformed},
		{"extend pad first", with(extB, MsgHeaderLen+extLen, 1), ErrMalformed},
		{"drop pad last", with(encodeMsg(t, DropMsg(nil)), MsgLen-1, 1), ErrMalformed},
		// Stream ID rules.
		{"begin stream 0", rawMsg(RelayBegin, 0, 1, []byte("a")), ErrMalformed},
		{"data stream 0", rawMsg(RelayData, 0, 1, []byte{1}), ErrMalformed},
		{"end stream 0", rawMsg(RelayEnd, 0, 1, []byte{0}), ErrMalformed},
		{"connected stream 0", rawMsg(RelayConnected, 0, 0, nil), ErrMalformed},
		{"extend on stream", with(extB, 2, 1), ErrMalformed},
		{"extended on stream", rawMsg(RelayExtended, 1, 3, []byte{0, 1, 1}), ErrMalformed},
		{"truncated on stream", rawMsg(RelayTruncated, 1, 1, []byte{0}), ErrMalformed},
		{"drop on stream", rawMsg(RelayDrop, 1, 0, nil), ErrMalformed},
		// BEGIN service names.
		{"begin empty", rawMsg(RelayBegin, 1, 0, nil), ErrMalformed},
		{"begin 65", rawMsg(RelayBegin, 1, 65, fill(65, 'a')), ErrTooLong},
		{"begin uppercase", rawMsg(RelayBegin, 1, 4, []byte("Mail")), ErrMalformed},
		{"begin slash", rawMsg(RelayBegin, 1, 3, []byte("a/b")), ErrMalformed},
		{"begin NUL", rawMsg(RelayBegin, 1, 2, []byte("a\x00")), ErrMalformed},
		{"begin leading NUL", rawMsg(RelayBegin, 1, 1, []byte{0}), ErrMalformed},
		{"begin space", rawMsg(RelayBegin, 1, 3, []byte("a b")), ErrMalformed},
		{"begin utf-8", rawMsg(RelayBegin, 1, 2, []byte("é")), ErrMalformed},
		// Per-command data.
		{"data empty", rawMsg(RelayData, 1, 0, nil), ErrMalformed},
		{"end empty", rawMsg(RelayEnd, 1, 0, nil), ErrMalformed},
		{"end 2 bytes", rawMsg(RelayEnd, 1, 2, []byte{0, 0}), ErrMalformed},
		{"end reason 12", rawMsg(RelayEnd, 1, 1, []byte{12}), ErrMalformed},
		{"connected with data", rawMsg(RelayConnected, 1, 1, []byte{0}), ErrMalformed},
		{"sendme stream with data", rawMsg(RelaySendme, 1, 17, append([]byte{1}, tag16[:]...)), ErrMalformed},
		{"sendme circuit empty", rawMsg(RelaySendme, 0, 0, nil), ErrMalformed},
		{"sendme circuit 16", rawMsg(RelaySendme, 0, 16, tag16[:]), ErrMalformed},
		{"sendme circuit 18", rawMsg(RelaySendme, 0, 18, append([]byte{1}, tag16[:]...)), ErrMalformed},
		{"sendme version 0", rawMsg(RelaySendme, 0, 17, append([]byte{0}, tag16[:]...)), ErrMalformed},
		{"sendme version 2", rawMsg(RelaySendme, 0, 17, append([]byte{2}, tag16[:]...)), ErrMalformed},
		{"truncated empty", rawMsg(RelayTruncated, 0, 0, nil), ErrMalformed},
		{"truncated reason 255", rawMsg(RelayTruncated, 0, 1, []byte{255}), ErrMalformed},
		// EXTEND.
		{"extend empty", rawMsg(RelayExtend, 0, 0, nil), ErrMalformed},
		{"extend 1 byte", rawMsg(RelayExtend, 0, 1, []byte{0}), ErrMalformed},
		{"extend reclen 0", rawMsg(RelayExtend, 0, 7, []byte{0, 0, 0, 1, 0, 1, 1}), ErrMalformed},
		{"extend reclen 401", rawMsg(RelayExtend, 0, 486, []byte{0x01, 0x91}), ErrTooLong},
		{"extend reclen 0xffff", rawMsg(RelayExtend, 0, 486, []byte{0xff, 0xff}), ErrTooLong},
		{"extend reclen beyond data", rawMsg(RelayExtend, 0, 5, []byte{0, 3, 1, 1, 1}), ErrMalformed},
		{"extend no handshake", rawMsg(RelayExtend, 0, 3, []byte{0, 1, 1}), ErrMalformed},
		{"extend no hlen", rawMsg(RelayExtend, 0, 5, []byte{0, 1, 1, 0, 1}), ErrMalformed},
		{"extend hlen 0", rawMsg(RelayExtend, 0, 7, []byte{0, 1, 1, 0, 1, 0, 0}), ErrMalformed},
		{"extend hlen 257", rawMsg(RelayExtend, 0, 7, []byte{0, 1, 1, 0, 1, 1, 1}), ErrTooLong},
		{"extend hlen beyond data", rawMsg(RelayExtend, 0, 9, []byte{0, 1, 1, 0, 1, 0, 3, 1, 1}), ErrMalformed},
		{"extend trailing byte", rawMsg(RelayExtend, 0, 9, []byte{0, 1, 1, 0, 1, 0, 1, 1, 0}), ErrMalformed},
		// EXTENDED.
		{"extended empty", rawMsg(RelayExtended, 0, 0, nil), ErrMalformed},
		{"extended 1 byte", rawMsg(RelayExtended, 0, 1, []byte{0}), ErrMalformed},
		{"extended hlen 0", rawMsg(RelayExtended, 0, 2, []byte{0, 0}), ErrMalformed},
		{"extended hlen 257", rawMsg(RelayExtended, 0, 259, []byte{1, 1}), ErrTooLong},
		{"extended hlen beyond data", rawMsg(RelayExtended, 0, 3, []byte{0, 2, 1}), ErrMalformed},
		{"extended trailing byte", rawMsg(RelayExtended, 0, 4, []byte{0, 1, 1, 0}), ErrMalformed},
	} {
		m, err := ParseMsg(tc.b, AllCmds)
		checkErr(t, tc.name, err, tc.want)
		if err != nil && !reflect.DeepEqual(m, Msg{}) {
			t.Errorf("%s: error with a non-zero Msg", tc.name)
		}
	}
}

func TestParseMsgAllowed(t *testing.T) {
	for name, m := range validMsgs(t) {
		b := encodeMsg(t, m)
		others := AllCmds &^ Set(m.Cmd)
		checkErr(t, name+" not allowed", second(ParseMsg(b, others)), ErrNotAllowed)
		checkErr(t, name+" in empty set", second(ParseMsg(b, 0)), ErrNotAllowed)
		checkErr(t, name+" allowed alone", second(ParseMsg(b, Set(m.Cmd))), nil)
	}
	// An unknown command is unknown whatever the set says.
	checkErr(t, "unknown", second(ParseMsg(rawMsg(12, 0, 0, nil), ^CmdSet(0))), ErrUnknownCommand)
	// The allowed check comes before the data is looked at: a malformed
	// BEGIN in a state that does not allow BEGIN is ErrNotAllowed.
	bad := rawMsg(RelayBegin, 0, 1, []byte("A"))
	checkErr(t, "malformed begin, not allowed", second(ParseMsg(bad, Set(RelayData))), ErrNotAllowed)
}

func TestCmdSet(t *testing.T) {
	all := Set(RelayBegin, RelayData, RelayEnd, RelayConnected, RelaySendme,
		RelayExtend, RelayExtended, RelayTruncated, RelayDrop)
	if all != AllCmds {
		t.Fatalf("AllCmds = %#x, Set of all = %#x", AllCmds, all)
	}
	if Set(0, 10, 31, 32, 255) != 0 {
		t.Fatal("Set kept unknown commands")
	}
	s := Set(RelayExtend, RelayDrop)
	for c := range 256 {
		want := c == int(RelayExtend) || c == int(RelayDrop)
		if s.Has(RelayCmd(c)) != want {
			t.Errorf("Has(%d) = %v", c, !want)
		}
		if c >= 32 && CmdSet(0xffffffff).Has(RelayCmd(c)) {
			t.Errorf("full set Has(%d)", c)
		}
	}
}

func TestEncodeMsgErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Msg
		want error
	}{
		{"unknown 0", Msg{}, ErrUnknownCommand},
		{"unknown 10", Msg{Cmd: 10}, ErrUnknownCommand},
		{"data 487", DataMsg(1, fill(MaxData+1, 1)), ErrTooLong},
		{"data 70000", DataMsg(1, fill(70000, 1)), ErrTooLong},
		{"data empty", DataMsg(1, nil), ErrMalformed},
		{"data stream 0", DataMsg(0, []byte{1}), ErrMalformed},
		{"drop stream 1", Msg{Cmd: RelayDrop, StreamID: 1}, ErrMalformed},
		{"begin empty", BeginMsg(1, ""), ErrMalformed},
		{"begin 65", BeginMsg(1, string(fill(65, 'a'))), ErrTooLong},
		{"begin upper", BeginMsg(1, "X"), ErrMalformed},
		{"end reason 12", EndMsg(1, 12), ErrMalformed},
		{"truncated reason 12", TruncatedMsg(12), ErrMalformed},
		{"connected stream 0", ConnectedMsg(0), ErrMalformed},
		{"stream sendme on 0 is circuit, needs tag", StreamSendmeMsg(0), ErrMalformed},
	} {
		buf := [MsgLen]byte{0: 0xee, MsgLen - 1: 0xee}
		before := buf
		checkErr(t, tc.name, EncodeMsg(&buf, tc.m), tc.want)
		if buf != before {
			t.Errorf("%s: buffer written on error", tc.name)
		}
	}
}

func TestBuildMsgErrors(t *testing.T) {
	nk := fill(48, 1)
	for name, tc := range map[string]struct {
		err, want error
	}{
		"extend empty rec":   {second(ExtendMsg(nil, 1, nk)), ErrMalformed},
		"extend rec 401":     {second(ExtendMsg(fill(401, 1), 1, nk)), ErrTooLong},
		"extend empty hdata": {second(ExtendMsg(fill(10, 1), 1, nil)), ErrMalformed},
		"extend hdata 257":   {second(ExtendMsg(fill(10, 1), 1, fill(257, 1))), ErrTooLong},
		"extend total 487":   {second(ExtendMsg(fill(MaxExtendRecord, 1), 1, fill(MaxData-6-MaxExtendRecord+1, 1))), ErrTooLong},
		"extended empty":     {second(ExtendedMsg(nil)), ErrMalformed},
		"extended hdata 257": {second(ExtendedMsg(fill(257, 1))), ErrTooLong},
		"extended hdata 70k": {second(ExtendedMsg(fill(70000, 1))), ErrTooLong},
	} {
		checkErr(t, name, tc.err, tc.want)
	}
}

func TestEncodeMsgAliasing(t *testing.T) {
	// Re-encoding a parsed message into its own buffer, and overwriting a
	// longer message with a shorter one, leave a valid encoding.
	var buf [MsgLen]byte
	copy(buf[:], encodeMsg(t, DataMsg(9, fill(MaxData, 0x77))))
	m, err := ParseMsg(buf[:], AllCmds)
	if err != nil {
		t.Fatal(err)
	}
	m.Data = m.Data[:10]
	if err := EncodeMsg(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:], encodeMsg(t, DataMsg(9, fill(10, 0x77)))) {
		t.Fatal("in-place re-encoding differs")
	}
}
