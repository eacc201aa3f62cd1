package cell

import "testing"

func BenchmarkParseRelay(b *testing.B) {
	c, err := Relay(0x80000001, false, opaqueBody(1))
	if err != nil {
		b.Fatal(err)
	}
	in := c[:]
	b.ReportAllocs()
	b.SetBytes(Size)
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCreate(b *testing.B) {
	c, err := Create(0x80000001, HandshakeNK, fill(48, 1))
	if err != nil {
		b.Fatal(err)
	}
	in := c[:]
	b.ReportAllocs()
	b.SetBytes(Size)
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMsgRoundTrip parses a DATA message of n bytes and encodes it into
// a second buffer, as a relay forwarding a stream's data does.
func benchMsgRoundTrip(b *testing.B, n int) {
	in := encodeMsg(b, DataMsg(7, fill(n, 0xd0)))
	allowed := Set(RelayData, RelayEnd, RelaySendme)
	var out [MsgLen]byte
	b.ReportAllocs()
	b.SetBytes(MsgLen)
	for b.Loop() {
		m, err := ParseMsg(in, allowed)
		if err != nil {
			b.Fatal(err)
		}
		if err := EncodeMsg(&out, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMsgRoundTripData100(b *testing.B) { benchMsgRoundTrip(b, 100) }
func BenchmarkMsgRoundTripDataMax(b *testing.B) { benchMsgRoundTrip(b, MaxData) }
