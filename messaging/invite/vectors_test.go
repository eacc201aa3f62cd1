package invite

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector: decode Input (text for decoder "text", else hex) with Parse
// ("text"), Invitation.UnmarshalBinary ("invitation"),
// Blob.UnmarshalBinary ("blob"), OpenBlob ("sealed-blob") or OpenRequest
// ("request") under Key (hex); the outcome must be Expect, and on "ok"
// re-encoding (re-sealing with the same nonce) must give Input back.
type vector struct {
	Name    string `json:"name"`
	Decoder string `json:"decoder"`
	Key     string `json:"key,omitempty"`
	Input   string `json:"input"`
	Expect  string `json:"expect"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

func genVectors(t testing.TB) vectorFile {
	vf := vectorFile{Comment: "invite vectors with fixed randomness. decoder: text (Parse), invitation, blob (UnmarshalBinary), sealed-blob (OpenBlob), request (OpenRequest) under key; expect is the outcome; on ok, re-encoding gives input. Regenerate only with: go test ./messaging/invite -run TestVectors -update"}
	add := func(name, dec string, key []byte, in []byte, expect string) {
		s := hex.EncodeToString(in)
		if dec == "text" {
			s = string(in)
		}
		vf.Vectors = append(vf.Vectors, vector{name, dec, hex.EncodeToString(key), s, expect})
	}
	inv := sampleInvitation()
	text := inv.String()
	bin, _ := inv.MarshalBinary()
	blob, _ := sampleBlob(t).MarshalBinary()
	sealedBlob, err := SealBlob(inv.Key, sampleBlob(t), detRand(40))
	if err != nil {
		t.Fatal(err)
	}
	req, err := SealRequest(inv.Key, sampleInitMsg(), bytes.Repeat([]byte{0x5c}, envelope.Sizes[0]), detRand(41))
	if err != nil {
		t.Fatal(err)
	}
	add("ok/text", "text", nil, []byte(text), "ok")
	add("bad/text-typo", "text", nil, []byte(text[:50]+string(text[50]^1)+text[51:]), "checksum")
	add("bad/text-short", "text", nil, []byte(text[:len(text)-1]), "malformed")
	add("ok/invitation", "invitation", nil, bin, "ok")
	add("bad/invitation-version", "invitation", nil, append([]byte{2}, bin[1:]...), "version")
	add("bad/invitation-expiry", "invitation", nil, append(bytes.Clone(bin[:BinarySize-8]), make([]byte, 8)...), "expiry")
	add("ok/blob", "blob", nil, blob, "ok")
	add("bad/blob-trailing", "blob", nil, append(bytes.Clone(blob), 0), "malformed")
	add("ok/sealed-blob", "sealed-blob", inv.Key[:], sealedBlob, "ok")
	add("bad/sealed-blob-wrong-key", "sealed-blob", inv.Secret[:], sealedBlob, "decrypt")
	add("ok/request", "request", inv.Key[:], req, "ok")
	add("bad/request-as-blob", "sealed-blob", inv.Key[:], req, "decrypt")
	return vf
}

// redo decodes in with the named decoder and re-encodes the result.
func redo(t testing.TB, dec string, key [32]byte, in []byte) ([]byte, error) {
	switch dec {
	case "text":
		inv, err := Parse(string(in))
		return []byte(inv.String()), err
	case "invitation":
		var inv Invitation
		if err := inv.UnmarshalBinary(in); err != nil {
			return nil, err
		}
		return inv.MarshalBinary()
	case "blob":
		var b Blob
		if err := b.UnmarshalBinary(in); err != nil {
			return nil, err
		}
		return b.MarshalBinary()
	case "sealed-blob":
		b, err := OpenBlob(key, in)
		if err != nil {
			return nil, err
		}
		return SealBlob(key, b, bytes.NewReader(in[:24]))
	case "request":
		m, first, err := OpenRequest(key, in)
		if err != nil {
			return nil, err
		}
		return SealRequest(key, m, first, bytes.NewReader(in[:24]))
	}
	t.Fatalf("unknown decoder %q", dec)
	return nil, nil
}

func runVector(t *testing.T, v vector) {
	in := []byte(v.Input)
	if v.Decoder != "text" {
		var err error
		if in, err = hex.DecodeString(v.Input); err != nil {
			t.Fatal(err)
		}
	}
	var key [32]byte
	hex.Decode(key[:], []byte(v.Key))
	out, err := redo(t, v.Decoder, key, in)
	if got := outcome(err); got != v.Expect {
		t.Fatalf("outcome %s, want %s", got, v.Expect)
	}
	if err == nil && !bytes.Equal(out, in) {
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
		t.Error("the encoders no longer produce testdata/vectors.json (wire format changed?)")
	}
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) { runVector(t, v) })
	}
}

func loadVectors(t testing.TB) []vector {
	data, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	return vf.Vectors
}

// seeds returns the decoded inputs of the vectors for one decoder.
func seeds(f *testing.F, decoder string) [][]byte {
	var out [][]byte
	for _, v := range loadVectors(f) {
		if v.Decoder != decoder {
			continue
		}
		if b, err := hex.DecodeString(v.Input); err == nil && decoder != "text" {
			out = append(out, b)
		} else if decoder == "text" {
			out = append(out, []byte(v.Input))
		}
	}
	return out
}
