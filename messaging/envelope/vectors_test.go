package envelope

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector: decode Hex with Decode (decoder "payload") or Unpad ("pad");
// the outcome must be Expect, and on "ok" re-encoding must give Hex back.
type vector struct {
	Name    string `json:"name"`
	Decoder string `json:"decoder"`
	Hex     string `json:"hex"`
	Expect  string `json:"expect"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

func genVectors(t testing.TB) vectorFile {
	vf := vectorFile{Comment: "envelope payload (decoder=payload: Decode) and padding (decoder=pad: Unpad) vectors; expect is the outcome; on ok, re-encoding gives hex. Regenerate only with: go test ./messaging/envelope -run TestVectors -update"}
	add := func(name, dec string, b []byte, expect string) {
		vf.Vectors = append(vf.Vectors, vector{name, dec, hex.EncodeToString(b), expect})
	}
	text := mustEncode(t, sampleText())
	rcpt := mustEncode(t, Receipt{IDs: [][16]byte{id(1), id(2), id(3)}})
	hello := mustEncode(t, sampleHello())
	add("ok/text", "payload", text, "ok")
	add("ok/receipt", "payload", rcpt, "ok")
	add("ok/hello", "payload", hello, "ok")
	add("ok/hello-empty-name", "payload", mustEncode(t, Hello{Queues: []QueueAddr{qa(9)}}), "ok")
	add("bad/empty", "payload", nil, "malformed")
	add("bad/unknown-type", "payload", append([]byte{9}, text[1:]...), "unknown-type")
	add("bad/text-trailing", "payload", append(bytes.Clone(text), 0), "malformed")
	add("bad/text-truncated", "payload", text[:len(text)-1], "malformed")
	add("bad/receipt-duplicate", "payload", append(bytes.Clone(rcpt[:2+32]), rcpt[2:18]...), "duplicate")
	add("bad/hello-control-name", "payload", append([]byte{3, 1, 0x1b}, hello[2+len(sampleHello().Name):]...), "text")
	padded, _ := Pad(text)
	add("ok/pad-text", "pad", padded, "ok")
	empty, _ := Pad(nil)
	add("ok/pad-empty", "pad", empty, "ok")
	add("bad/pad-short", "pad", padded[:len(padded)-1], "size")
	dirty := bytes.Clone(padded)
	dirty[len(dirty)-1] = 0x80
	add("bad/pad-nonzero", "pad", dirty, "padding")
	return vf
}

func runVector(t *testing.T, v vector) {
	b, err := hex.DecodeString(v.Hex)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	switch v.Decoder {
	case "payload":
		var p Payload
		if p, err = Decode(b); err == nil {
			out, err = Encode(p)
		}
	case "pad":
		var p []byte
		if p, err = Unpad(b); err == nil {
			out, err = Pad(p)
		}
	default:
		t.Fatalf("unknown decoder %q", v.Decoder)
	}
	if got := outcome(err); got != v.Expect {
		t.Fatalf("outcome %s, want %s", got, v.Expect)
	}
	if err == nil && !bytes.Equal(out, b) {
		t.Fatal("re-encoding differs")
	}
}

func TestVectors(t *testing.T) {
	gen, err := json.MarshalIndent(genVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	gen = append(gen, '\n')
	if *update {
		if err := os.WriteFile(vectorsFile, gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, gen) {
		t.Error("the encoder no longer produces testdata/vectors.json (wire format changed?)")
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	for _, v := range vf.Vectors {
		t.Run(v.Name, func(t *testing.T) { runVector(t, v) })
	}
}

// loadVectors returns the decoded inputs of the vectors for one decoder,
// to seed fuzzing.
func loadVectors(f *testing.F, decoder string) [][]byte {
	data, err := os.ReadFile(vectorsFile)
	if err != nil {
		f.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, v := range vf.Vectors {
		if b, err := hex.DecodeString(v.Hex); err == nil && v.Decoder == decoder {
			out = append(out, b)
		}
	}
	return out
}
