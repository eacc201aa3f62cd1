package cell

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestCellRoundTrip(t *testing.T) {
	for name, c := range validCells(t) {
		got, err := Parse(c[:])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != c {
			t.Errorf("%s: parsed cell differs", name)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", name, err)
		}
	}
}

func TestCellFields(t *testing.T) {
	hdata := fill(48, 0xab)
	c := mustF[Cell](t)(Create(0x80000009, HandshakeNK, hdata))
	if c.CircID() != 0x80000009 || c.Cmd() != CmdCreate {
		t.Fatalf("header %#x %v", c.CircID(), c.Cmd())
	}
	if want := []byte{0x80, 0, 0, 9, 1, 0, 1, 0, 48}; !bytes.Equal(c[:9], want) {
		t.Fatalf("create header bytes % x, want % x", c[:9], want)
	}
	htype, got, err := c.CreateBody()
	if err != nil || htype != HandshakeNK || !bytes.Equal(got, hdata) {
		t.Fatalf("CreateBody = %d, %x, %v", htype, got, err)
	}

	cd := mustF[Cell](t)(Created(5, hdata))
	if got, err := cd.CreatedBody(); err != nil || !bytes.Equal(got, hdata) {
		t.Fatalf("CreatedBody = %x, %v", got, err)
	}
	d := mustF[Cell](t)(Destroy(6, ReasonIntegrity))
	if r, err := d.DestroyReason(); err != nil || r != ReasonIntegrity {
		t.Fatalf("DestroyReason = %v, %v", r, err)
	}
	if d.Body()[0] != 9 || !isZero(d.Body()[1:]) {
		t.Fatal("destroy body not reason then zeros")
	}
	p := Padding()
	if p != (Cell{}) {
		t.Fatal("padding not all zero")
	}
}

func TestRelayCell(t *testing.T) {
	body := opaqueBody(3)
	for _, early := range []bool{false, true} {
		c := mustF[Cell](t)(Relay(0x80000001, early, body))
		want := CmdRelay
		if early {
			want = CmdRelayEarly
		}
		if c.Cmd() != want || *c.Body() != *body {
			t.Fatalf("early=%v: cmd %v, body equal %v", early, c.Cmd(), *c.Body() == *body)
		}
	}
	// In place: SetHeader + RelayParts build the same cell.
	var c Cell
	c.SetHeader(0x80000001, CmdRelay)
	tag, msg := c.RelayParts()
	copy(tag[:], body[:TagLen])
	copy(msg[:], body[TagLen:])
	if c != mustF[Cell](t)(Relay(0x80000001, false, body)) {
		t.Fatal("in-place relay cell differs from Relay")
	}
	if &c[HeaderLen] != &tag[0] || &c[HeaderLen+TagLen] != &msg[0] {
		t.Fatal("RelayParts does not alias the cell")
	}
}

func TestParseCopies(t *testing.T) {
	c := validCells(t)["relay"]
	b := bytes.Clone(c[:])
	got := mustF[Cell](t)(Parse(b))
	b[HeaderLen] ^= 0xff
	if got.Body()[0] == b[HeaderLen] {
		t.Fatal("parsed cell aliases its input")
	}
}

func TestPaddingBodyIgnored(t *testing.T) {
	b := rawCell(0, CmdPadding, fill(BodyLen, 0x5a))
	c, err := Parse(b)
	if err != nil {
		t.Fatalf("padding with content: %v", err)
	}
	if !bytes.Equal(c[:], b) {
		t.Fatal("padding cell not kept as received")
	}
}

func TestParseBad(t *testing.T) {
	create := validCells(t)["create nk 48"] // hdata ends at body offset 52
	created := validCells(t)["created 1"]   // hdata ends at body offset 3
	destroy := validCells(t)["destroy replay"]
	hlen := func(n uint16) []byte { return binary.BigEndian.AppendUint16([]byte{0, 1}, n) }
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"one byte long", append(bytes.Clone(create[:]), 0), ErrMalformed},
		{"twice the size", append(bytes.Clone(create[:]), create[:]...), ErrMalformed},
		{"unknown command 6", rawCell(1, 6, nil), ErrUnknownCommand},
		{"unknown command 255", rawCell(1, 255, nil), ErrUnknownCommand},
		{"unknown command on id 0", rawCell(0, 6, nil), ErrUnknownCommand},
		{"padding id 1", rawCell(1, CmdPadding, nil), ErrMalformed},
		{"padding dialer id", rawCell(DialerBit, CmdPadding, nil), ErrMalformed},
		{"create id 0", rawCell(0, CmdCreate, create.Body()[:]), ErrMalformed},
		{"created id 0", rawCell(0, CmdCreated, []byte{0, 1, 1}), ErrMalformed},
		{"relay id 0", rawCell(0, CmdRelay, nil), ErrMalformed},
		{"relay_early id 0", rawCell(0, CmdRelayEarly, nil), ErrMalformed},
		{"destroy id 0", rawCell(0, CmdDestroy, nil), ErrMalformed},
		{"create hlen 0", rawCell(1, CmdCreate, hlen(0)), ErrMalformed},
		{"create hlen 257", rawCell(1, CmdCreate, hlen(257)), ErrTooLong},
		{"create hlen 503", rawCell(1, CmdCreate, hlen(503)), ErrTooLong},
		{"create hlen 0xffff", rawCell(1, CmdCreate, hlen(0xffff)), ErrTooLong},
		{"create pad first", with(create[:], HeaderLen+52, 1), ErrMalformed},
		{"create pad middle", with(create[:], HeaderLen+300, 0x80), ErrMalformed},
		{"create pad last", with(create[:], Size-1, 1), ErrMalformed},
		{"created hlen 0", rawCell(1, CmdCreated, []byte{0, 0}), ErrMalformed},
		{"created hlen 257", rawCell(1, CmdCreated, []byte{1, 1}), ErrTooLong},
		{"created hlen 0xffff", rawCell(1, CmdCreated, []byte{0xff, 0xff}), ErrTooLong},
		{"created pad first", with(created[:], HeaderLen+3, 1), ErrMalformed},
		{"created pad last", with(created[:], Size-1, 1), ErrMalformed},
		{"destroy reason 12", with(destroy[:], HeaderLen, 12), ErrMalformed},
		{"destroy reason 255", with(destroy[:], HeaderLen, 255), ErrMalformed},
		{"destroy pad first", with(destroy[:], HeaderLen+1, 1), ErrMalformed},
		{"destroy pad last", with(destroy[:], Size-1, 1), ErrMalformed},
	} {
		c, err := Parse(tc.b)
		checkErr(t, tc.name, err, tc.want)
		if err != nil && c != (Cell{}) {
			t.Errorf("%s: error with a non-zero cell", tc.name)
		}
		if len(tc.b) == Size {
			v := Cell(tc.b)
			checkErr(t, tc.name+" (Validate)", v.Validate(), tc.want)
		}
	}
}

func TestRelayBodyOpaque(t *testing.T) {
	// Any body, including one whose bytes would be bad padding elsewhere.
	for _, b := range []byte{0, 1, 0xff} {
		for _, cmd := range []Command{CmdRelay, CmdRelayEarly} {
			if _, err := Parse(rawCell(DialerBit|1, cmd, fill(BodyLen, b))); err != nil {
				t.Errorf("%v body of %#x: %v", cmd, b, err)
			}
		}
	}
}

func TestCellEncoderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"create id 0", second(Create(0, HandshakeNK, []byte{1})), ErrMalformed},
		{"create empty", second(Create(1, HandshakeNK, nil)), ErrMalformed},
		{"create 257", second(Create(1, HandshakeNK, fill(257, 1))), ErrTooLong},
		{"create 70000", second(Create(1, HandshakeNK, fill(70000, 1))), ErrTooLong},
		{"created id 0", second(Created(0, []byte{1})), ErrMalformed},
		{"created empty", second(Created(1, nil)), ErrMalformed},
		{"created 257", second(Created(1, fill(257, 1))), ErrTooLong},
		{"destroy id 0", second(Destroy(0, ReasonNone)), ErrMalformed},
		{"destroy reason 12", second(Destroy(1, 12)), ErrMalformed},
		{"relay id 0", second(Relay(0, false, opaqueBody(0))), ErrMalformed},
		{"relay_early id 0", second(Relay(0, true, opaqueBody(0))), ErrMalformed},
	} {
		checkErr(t, tc.name, tc.err, tc.want)
	}
	if c, err := Create(0, 1, []byte{1}); err == nil || c != (Cell{}) {
		t.Fatal("failed encoder returned a non-zero cell")
	}
}

func second[T any](_ T, err error) error { return err }

func TestBodyDecoderWrongCommand(t *testing.T) {
	cells := validCells(t)
	relay, create := cells["relay"], cells["create 1"]
	if _, _, err := relay.CreateBody(); !errorsIs(err, ErrMalformed) {
		t.Errorf("CreateBody on relay: %v", err)
	}
	if _, err := create.CreatedBody(); !errorsIs(err, ErrMalformed) {
		t.Errorf("CreatedBody on create: %v", err)
	}
	if _, err := create.DestroyReason(); !errorsIs(err, ErrMalformed) {
		t.Errorf("DestroyReason on create: %v", err)
	}
}

func TestCircID(t *testing.T) {
	for _, tc := range []struct {
		id             uint32
		dialer, accept bool
	}{
		{0, false, false},
		{DialerBit, true, false},
		{1, false, true},
		{0x7fffffff, false, true},
		{0xffffffff, true, false},
		{0x80000001, true, false},
	} {
		if got := ValidCircID(tc.id, true); got != tc.dialer {
			t.Errorf("ValidCircID(%#x, dialer) = %v", tc.id, got)
		}
		if got := ValidCircID(tc.id, false); got != tc.accept {
			t.Errorf("ValidCircID(%#x, acceptor) = %v", tc.id, got)
		}
		if got := IDFromDialer(tc.id); got != (tc.id&0x80000000 != 0) {
			t.Errorf("IDFromDialer(%#x) = %v", tc.id, got)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{CmdPadding.String(), "padding"},
		{CmdRelayEarly.String(), "relay_early"},
		{CmdDestroy.String(), "destroy"},
		{Command(6).String(), "command(6)"},
		{ReasonNone.String(), "none"},
		{ReasonResourceLimit.String(), "resource-limit"},
		{ReasonReplay.String(), "replay"},
		{Reason(12).String(), "reason(12)"},
		{RelayBegin.String(), "begin"},
		{RelayDrop.String(), "drop"},
		{RelayCmd(0).String(), "relay(0)"},
		{RelayCmd(10).String(), "relay(10)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestErrorsHideIDs: no error string shows a circuit or stream ID.
func TestErrorsHideIDs(t *testing.T) {
	const id = 0x9abcdef1 // 2596069105
	create := mustF[Cell](t)(Create(id, HandshakeNK, []byte{1}))
	errs := []error{
		second(Parse(with(create[:], Size-1, 1))),
		second(Parse(rawCell(id, CmdCreate, []byte{0, 1, 1, 1}))),
		second(Parse(rawCell(id, CmdDestroy, []byte{99}))),
		second(Parse(rawCell(id, 77, nil))),
		second(ParseMsg(rawMsg(RelayExtend, 0xbeef, 0, nil), AllCmds)),
		second(ParseMsg(rawMsg(RelayData, 0xbeef, 0, nil), AllCmds)),
	}
	for _, err := range errs {
		s := err.Error()
		for _, bad := range []string{"9abcdef1", "2596069105", "beef", "48879"} {
			if strings.Contains(strings.ToLower(s), bad) {
				t.Errorf("error %q shows an ID", s)
			}
		}
		if !strings.HasPrefix(s, "cell: ") {
			t.Errorf("error %q lacks the package prefix", s)
		}
	}
}
