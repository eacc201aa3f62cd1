package cell

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

// seed adds every vector of the given decoder plus the valid examples.
func seed(f *testing.F, parse string) {
	for _, v := range loadVectors(f) {
		if v.Parse != parse {
			continue
		}
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if parse == "cell" {
		for _, c := range validCells(f) {
			f.Add(bytes.Clone(c[:]))
		}
		return
	}
	for _, m := range validMsgs(f) {
		f.Add(encodeMsg(f, m))
	}
}

// reencodeCell rebuilds c through the typed decoders and encoders.
func reencodeCell(t *testing.T, c *Cell) Cell {
	var out Cell
	var err error
	switch c.Cmd() {
	case CmdPadding:
		out = Padding()
		*out.Body() = *c.Body() // padding content is ignored, not reproduced
	case CmdCreate:
		htype, hdata, herr := c.CreateBody()
		if herr != nil {
			t.Fatalf("CreateBody on a parsed cell: %v", herr)
		}
		out, err = Create(c.CircID(), htype, hdata)
	case CmdCreated:
		hdata, herr := c.CreatedBody()
		if herr != nil {
			t.Fatalf("CreatedBody on a parsed cell: %v", herr)
		}
		out, err = Created(c.CircID(), hdata)
	case CmdDestroy:
		r, rerr := c.DestroyReason()
		if rerr != nil {
			t.Fatalf("DestroyReason on a parsed cell: %v", rerr)
		}
		out, err = Destroy(c.CircID(), r)
	case CmdRelay, CmdRelayEarly:
		out, err = Relay(c.CircID(), c.Cmd() == CmdRelayEarly, c.Body())
	default:
		t.Fatalf("parsed unknown command %v", c.Cmd())
	}
	if err != nil {
		t.Fatalf("re-encoding %v: %v", c.Cmd(), err)
	}
	return out
}

func FuzzParse(f *testing.F) {
	seed(f, "cell")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if c != (Cell{}) || !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownCommand) {
				t.Fatalf("error %v with a non-zero cell", err)
			}
			return
		}
		if !bytes.Equal(c[:], b) {
			t.Fatal("parsed cell differs from input")
		}
		if out := reencodeCell(t, &c); !bytes.Equal(out[:], b) {
			t.Fatalf("re-encoding %v differs", c.Cmd())
		}
	})
}

// rebuildMsg rebuilds m through its typed accessor and constructor.
func rebuildMsg(t *testing.T, m Msg) Msg {
	var out Msg
	var err error
	switch m.Cmd {
	case RelayBegin:
		var s string
		s, err = m.Service()
		out = BeginMsg(m.StreamID, s)
	case RelayEnd, RelayTruncated:
		var r Reason
		r, err = m.Reason()
		out = EndMsg(m.StreamID, r)
		if m.Cmd == RelayTruncated {
			out = TruncatedMsg(r)
		}
	case RelaySendme:
		tag, circ, serr := m.Sendme()
		out, err = StreamSendmeMsg(m.StreamID), serr
		if circ {
			out = CircuitSendmeMsg(&tag)
		}
	case RelayExtend:
		rec, htype, hdata, xerr := m.Extend()
		if xerr != nil {
			t.Fatalf("Extend on a parsed message: %v", xerr)
		}
		out, err = ExtendMsg(rec, htype, hdata)
	case RelayExtended:
		hdata, xerr := m.Extended()
		if xerr != nil {
			t.Fatalf("Extended on a parsed message: %v", xerr)
		}
		out, err = ExtendedMsg(hdata)
	default: // DATA, CONNECTED, DROP carry their data as is
		out = m
	}
	if err != nil {
		t.Fatalf("accessor or constructor for %v: %v", m.Cmd, err)
	}
	return out
}

func FuzzParseMsg(f *testing.F) {
	seed(f, "msg")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMsg(b, AllCmds)
		if err != nil {
			if !reflect.DeepEqual(m, Msg{}) || !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownCommand) {
				t.Fatalf("error %v with a non-zero message", err)
			}
			return
		}
		if m.Data != nil && len(m.Data) == 0 {
			t.Fatal("empty non-nil Data")
		}
		var buf [MsgLen]byte
		if err := EncodeMsg(&buf, m); err != nil || !bytes.Equal(buf[:], b) {
			t.Fatalf("re-encoding %v differs (%v)", m.Cmd, err)
		}
		clear(buf[:])
		if err := EncodeMsg(&buf, rebuildMsg(t, m)); err != nil || !bytes.Equal(buf[:], b) {
			t.Fatalf("rebuilding %v differs (%v)", m.Cmd, err)
		}
	})
}
