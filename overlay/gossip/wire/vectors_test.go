package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/warrennet/warren/overlay/record"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector is one test vector: decode Message (hex) with the decoder for
// Parse ("push", "reply", "get"); the outcome must be Expect. For "ok",
// Records is the number of records (or the want of a GET_RECORDS) and Done
// the reply flag.
type vector struct {
	Name    string `json:"name"`
	Parse   string `json:"parse"`
	Message string `json:"message"`
	Expect  string `json:"expect"`
	Records int    `json:"records,omitempty"`
	Done    bool   `json:"done,omitempty"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

func outcomeName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrOversize):
		return "oversize"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	}
	return "unexpected: " + err.Error()
}

// fill is a record-shaped byte string of n bytes (the codec does not parse
// records, so any bytes of an allowed length do).
func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func mustPush(t testing.TB, recs ...[]byte) []byte {
	t.Helper()
	m, err := AppendPush(nil, recs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustReply(t testing.TB, done bool, recs ...[]byte) []byte {
	t.Helper()
	m, err := AppendReply(nil, recs, done)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// raw builds a message by hand: header bytes, then each record with its
// length prefix, whatever the length.
func raw(header []byte, recs ...[]byte) []byte {
	b := bytes.Clone(header)
	for _, r := range recs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		b = append(b, r...)
	}
	return b
}

func generateVectors(t testing.TB) vectorFile {
	minR, maxR := fill(record.MinSize, 0xA1), fill(record.MaxSize, 0xB2)
	push1 := mustPush(t, minR)
	var vs []vector
	add := func(name, parse string, m []byte, expect string, recs int, done bool) {
		vs = append(vs, vector{name, parse, hex.EncodeToString(m), expect, recs, done})
	}
	add("ok/push one min-size record", "push", push1, "ok", 1, false)
	add("ok/push min and max size", "push", mustPush(t, minR, maxR), "ok", 2, false)
	add("ok/reply empty done", "reply", mustReply(t, true), "ok", 0, true)
	add("ok/reply one not done", "reply", mustReply(t, false, maxR), "ok", 1, false)
	add("ok/reply two done", "reply", mustReply(t, true, minR, maxR), "ok", 2, true)
	add("ok/get 1", "get", []byte{0x11, 0, 1}, "ok", 1, false)
	add("ok/get 1000", "get", []byte{0x11, 0x03, 0xe8}, "ok", 1000, false)

	add("oversize/push record of MaxSize+1", "push", raw([]byte{0x10, 0, 1}, fill(record.MaxSize+1, 1)), "oversize", 0, false)
	add("oversize/push second of two", "push", raw([]byte{0x10, 0, 2}, minR, fill(record.MaxSize+1, 1)), "oversize", 0, false)
	add("malformed/push second record empty", "push", raw([]byte{0x10, 0, 2}, minR, nil), "malformed", 0, false)
	add("oversize/reply record of MaxSize+1", "reply", raw([]byte{0x12, 1, 0, 1}, fill(record.MaxSize+1, 1)), "oversize", 0, false)

	add("malformed/empty", "push", nil, "malformed", 0, false)
	add("malformed/push as reply", "reply", push1, "malformed", 0, false)
	add("malformed/unknown type 0x13", "push", append([]byte{0x13}, push1[1:]...), "malformed", 0, false)
	add("malformed/push count 0", "push", []byte{0x10, 0, 0}, "malformed", 0, false)
	add("malformed/push header truncated", "push", []byte{0x10, 0}, "malformed", 0, false)
	add("malformed/push record truncated", "push", push1[:len(push1)-1], "malformed", 0, false)
	add("malformed/push trailing byte", "push", append(bytes.Clone(push1), 0), "malformed", 0, false)
	add("malformed/push count 2 one record", "push", raw([]byte{0x10, 0, 2}, minR), "malformed", 0, false)
	add("malformed/push count above MaxRecords", "push", []byte{0x10, 0x01, 0x56}, "malformed", 0, false)
	add("malformed/push record of MinSize-1", "push", raw([]byte{0x10, 0, 1}, fill(record.MinSize-1, 1)), "malformed", 0, false)
	add("malformed/push oversize then undersize", "push", raw([]byte{0x10, 0, 2}, fill(record.MaxSize+1, 1), fill(record.MinSize-1, 1)), "malformed", 0, false)
	add("malformed/push oversize then trailing", "push", append(raw([]byte{0x10, 0, 1}, fill(record.MaxSize+1, 1)), 0), "malformed", 0, false)
	add("malformed/push length beyond message", "push", raw([]byte{0x10, 0, 1}, minR)[:4+record.MinSize], "malformed", 0, false)
	add("malformed/reply empty not done", "reply", []byte{0x12, 0, 0, 0}, "malformed", 0, false)
	add("malformed/reply unknown flag", "reply", raw([]byte{0x12, 3, 0, 1}, minR), "malformed", 0, false)
	add("malformed/reply header truncated", "reply", []byte{0x12, 1, 0}, "malformed", 0, false)
	add("malformed/get 0", "get", []byte{0x11, 0, 0}, "malformed", 0, false)
	add("malformed/get 1001", "get", []byte{0x11, 0x03, 0xe9}, "malformed", 0, false)
	add("malformed/get truncated", "get", []byte{0x11, 0}, "malformed", 0, false)
	add("malformed/get trailing byte", "get", []byte{0x11, 0, 1, 0}, "malformed", 0, false)
	add("malformed/get as push", "push", []byte{0x11, 0, 1}, "malformed", 0, false)
	return vectorFile{
		Comment: "Gossip message vectors (gossip/wire). Decode message with the decoder named by parse; expect the outcome (records: count, or want for get). Regenerate only with: go test ./overlay/gossip/wire -run TestVectors -update",
		Vectors: vs,
	}
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}

// parseAny decodes m with the decoder named by parse and returns the
// record count (or want), the done flag and the error.
func parseAny(parse string, m []byte) (int, bool, error) {
	switch parse {
	case "push":
		recs, err := ParsePush(m)
		return len(recs), false, err
	case "reply":
		recs, done, err := ParseReply(m)
		return len(recs), done, err
	case "get":
		n, err := ParseGet(m)
		return n, false, err
	}
	panic("unknown decoder " + parse)
}

func TestVectors(t *testing.T) {
	if *update {
		b, err := json.MarshalIndent(generateVectors(t), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(vectorsFile), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vs := loadVectors(t)
	if len(vs) != len(generateVectors(t).Vectors) {
		t.Fatalf("%s has %d vectors, the generator %d: run with -update", vectorsFile, len(vs), len(generateVectors(t).Vectors))
	}
	for _, v := range vs {
		m, err := hex.DecodeString(v.Message)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		n, done, err := parseAny(v.Parse, m)
		if got := outcomeName(err); got != v.Expect {
			t.Errorf("%s: got %q, want %q", v.Name, got, v.Expect)
			continue
		}
		if err == nil && (n != v.Records || done != v.Done) {
			t.Errorf("%s: got %d records done=%v, want %d done=%v", v.Name, n, done, v.Records, v.Done)
		}
		if err != nil && (n != 0 || done) {
			t.Errorf("%s: error with a non-zero value", v.Name)
		}
	}
}
