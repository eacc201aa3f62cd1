package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/msg"
	"github.com/warrennet/warren/overlay/record"
)

func TestConstants(t *testing.T) {
	if MaxPayload != link.MaxPayload {
		t.Fatalf("MaxPayload %d, link.MaxPayload %d", MaxPayload, link.MaxPayload)
	}
	for _, ty := range []Type{TypePush, TypeGet, TypeReply} {
		if msg.Type(ty) == msg.TypePing || msg.Type(ty) == msg.TypePong {
			t.Fatalf("type %#x collides with package msg", ty)
		}
	}
	full := slices.Repeat([][]byte{fill(record.MinSize, 1)}, MaxRecords)
	for _, ty := range []Type{TypePush, TypeReply} {
		if Size(ty, full) > MaxPayload || Size(ty, append(full, full[0])) <= MaxPayload {
			t.Fatalf("type %#x: MaxRecords %d is not the most min-size records that fit", ty, MaxRecords)
		}
	}
	if MaxRecords != 341 {
		t.Fatalf("MaxRecords = %d, want 341", MaxRecords)
	}
}

func TestRoundTrip(t *testing.T) {
	recs := [][]byte{fill(record.MinSize, 1), fill(250, 2), fill(record.MaxSize, 3)}
	m := mustPush(t, recs...)
	got, err := ParsePush(m)
	if err != nil || !equalRecs(got, recs) {
		t.Fatalf("push: %v", err)
	}
	for _, done := range []bool{false, true} {
		got, d, err := ParseReply(mustReply(t, done, recs...))
		if err != nil || d != done || !equalRecs(got, recs) {
			t.Fatalf("reply done=%v: %v", done, err)
		}
	}
	for _, want := range []int{1, 7, MaxRequest} {
		g, err := AppendGet(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := ParseGet(g); err != nil || n != want {
			t.Fatalf("get %d: got %d, %v", want, n, err)
		}
	}
}

func equalRecs(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }

// Decoded records alias the message but cannot grow into the next record.
func TestRecordsAreClipped(t *testing.T) {
	m := mustPush(t, fill(record.MinSize, 1), fill(record.MinSize, 2))
	recs, err := ParsePush(m)
	if err != nil {
		t.Fatal(err)
	}
	if cap(recs[0]) != len(recs[0]) {
		t.Fatalf("record capacity %d, length %d", cap(recs[0]), len(recs[0]))
	}
	_ = append(recs[0], 0xFF)
	if recs[1][0] != 2 || m[2+2+record.MinSize] == 0xFF {
		t.Fatal("appending to a record overwrote the message")
	}
}

func TestEncoderRefusals(t *testing.T) {
	ok := fill(record.MinSize, 1)
	cases := []struct {
		name string
		run  func() ([]byte, error)
		want error
	}{
		{"push empty", func() ([]byte, error) { return AppendPush(nil, nil) }, ErrMalformed},
		{"push undersize", func() ([]byte, error) { return AppendPush(nil, [][]byte{ok[:1]}) }, ErrMalformed},
		{"push oversize", func() ([]byte, error) { return AppendPush(nil, [][]byte{fill(record.MaxSize+1, 0)}) }, ErrOversize},
		{"push too many", func() ([]byte, error) { return AppendPush(nil, slices.Repeat([][]byte{ok}, MaxRecords+1)) }, ErrMalformed},
		{"reply empty not done", func() ([]byte, error) { return AppendReply(nil, nil, false) }, ErrMalformed},
		{"reply oversize", func() ([]byte, error) { return AppendReply(nil, [][]byte{fill(record.MaxSize+1, 0)}, true) }, ErrOversize},
		{"get 0", func() ([]byte, error) { return AppendGet(nil, 0) }, ErrMalformed},
		{"get too many", func() ([]byte, error) { return AppendGet(nil, MaxRequest+1) }, ErrMalformed},
	}
	for _, c := range cases {
		out, err := c.run()
		if !errors.Is(err, c.want) || len(out) != 0 {
			t.Errorf("%s: %v (%d bytes), want %v and nothing appended", c.name, err, len(out), c.want)
		}
	}
	if _, err := Split(TypeGet, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("Split(TypeGet): %v", err)
	}
	if _, err := Split(TypePush, [][]byte{ok, fill(record.MaxSize+1, 0)}); !errors.Is(err, ErrOversize) {
		t.Errorf("Split with an oversize record: %v", err)
	}
}

// A message longer than MaxPayload is refused even if well framed.
func TestDecodeRefusesOverMaxPayload(t *testing.T) {
	recs := slices.Repeat([][]byte{fill(record.MaxSize, 1)}, MaxPayload/(LengthLen+record.MaxSize)+1)
	if _, err := ParsePush(raw([]byte{0x10, 0, byte(len(recs))}, recs...)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("push over MaxPayload: %v", err)
	}
}

func TestNoStrictPrefixDecodes(t *testing.T) {
	var msgs []struct {
		parse string
		m     []byte
	}
	for _, v := range loadVectors(t) {
		if v.Expect == "ok" {
			m, _ := hex.DecodeString(v.Message)
			msgs = append(msgs, struct {
				parse string
				m     []byte
			}{v.Parse, m})
		}
	}
	big, err := Split(TypeReply, randomRecs(rand.New(rand.NewPCG(1, 2)), 400))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range big {
		msgs = append(msgs, struct {
			parse string
			m     []byte
		}{"reply", m})
	}
	for _, c := range msgs {
		for n := range len(c.m) {
			if k, done, err := parseAny(c.parse, c.m[:n]); err == nil || k != 0 || done {
				t.Fatalf("%s: prefix of %d/%d bytes decoded", c.parse, n, len(c.m))
			}
		}
	}
}

func randomRecs(r *rand.Rand, n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fill(record.MinSize+r.IntN(record.MaxSize-record.MinSize+1), byte(i))
	}
	return recs
}

// Split cuts any list into messages within MaxPayload that decode back to
// the list in order, with only the last reply flagged done.
func TestSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 50, 70, 201, 202, 341, 342, 1000, 2500} {
		recs := randomRecs(r, n)
		for _, ty := range []Type{TypePush, TypeReply} {
			msgs, err := Split(ty, recs)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, ty, msgs)
			if !equalRecs(got, recs) {
				t.Fatalf("type %#x, %d records: decoded %d", ty, n, len(got))
			}
			if ty == TypePush && n == 0 && len(msgs) != 0 {
				t.Fatal("empty push list gave a message")
			}
		}
	}
}

func decodeAll(t *testing.T, ty Type, msgs [][]byte) [][]byte {
	t.Helper()
	var all [][]byte
	for i, m := range msgs {
		if len(m) > MaxPayload {
			t.Fatalf("message %d: %d bytes", i, len(m))
		}
		var recs [][]byte
		var err error
		if ty == TypePush {
			recs, err = ParsePush(m)
		} else {
			var done bool
			recs, done, err = ParseReply(m)
			if done != (i == len(msgs)-1) {
				t.Fatalf("message %d of %d: done=%v", i, len(msgs), done)
			}
		}
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		all = append(all, recs...)
	}
	return all
}

// Split never spends more link bytes than filling every message to
// MaxPayload would, and cuts a tail that would be padded to 64 KiB into
// smaller frames.
func TestSplitPadding(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		recs := randomRecs(r, r.IntN(600)+1)
		msgs, err := Split(TypePush, recs)
		if err != nil {
			t.Fatal(err)
		}
		if got, greedy := linkBytes(msgs), greedyCost(recs); got > greedy {
			t.Fatalf("%d records: %d link bytes, greedy packing %d", len(recs), got, greedy)
		}
	}
	recs := slices.Repeat([][]byte{fill(250, 1)}, 70) // 17,643 bytes: one 64 KiB frame
	msgs, err := Split(TypePush, recs)
	if err != nil {
		t.Fatal(err)
	}
	if got, obvious := linkBytes(msgs), wireCost(16384)+wireCost(2048); got > obvious {
		t.Fatalf("70 x 250 B: %d messages, %d link bytes; a 16 KiB and a 2 KiB frame take %d", len(msgs), got, obvious)
	}
}

func linkBytes(msgs [][]byte) int {
	n := 0
	for _, m := range msgs {
		n += wireCost(len(m))
	}
	return n
}

func greedyCost(recs [][]byte) int {
	_, cost := pack(TypePush, recs, MaxPayload)
	return cost
}

func TestNextBatchEmpty(t *testing.T) {
	if n := NextBatch(TypePush, nil); n != 0 {
		t.Fatalf("NextBatch(nil) = %d", n)
	}
	if n := NextBatch(TypePush, [][]byte{fill(record.MinSize, 1)}); n != 1 {
		t.Fatalf("NextBatch(one) = %d", n)
	}
}
