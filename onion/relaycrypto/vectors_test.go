package relaycrypto

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

// vector is one hop keyed with bytes 0, 1, 2, …: the client originates
// three cells (message byte i at every position) with cell commands 3, 4,
// 3, then the relay originates three the other way.
type vector struct {
	Forward  []string `json:"forward"`
	Backward []string `json:"backward"`
}

func computeVector(t *testing.T) vector {
	keys := make([]byte, HopKeyLen)
	for i := range keys {
		keys[i] = byte(i)
	}
	var c Client
	if err := c.AddHop(keys); err != nil {
		t.Fatal(err)
	}
	r, err := NewRelay(keys)
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	for i, cmd := range []byte{3, 4, 3} {
		var b [BodyLen]byte
		for j := TagLen; j < BodyLen; j++ {
			b[j] = byte(i)
		}
		c.Originate(0, cmd, &b)
		v.Forward = append(v.Forward, hex.EncodeToString(b[:]))
		for j := TagLen; j < BodyLen; j++ {
			b[j] = byte(i)
		}
		r.Originate(cmd, &b)
		v.Backward = append(v.Backward, hex.EncodeToString(b[:]))
	}
	return v
}

// TestVectors pins the construction's output; the reference test shows
// these bytes are what the definition gives.
func TestVectors(t *testing.T) {
	got := computeVector(t)
	const path = "testdata/vectors.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want vector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want.Forward {
		if got.Forward[i] != want.Forward[i] || got.Backward[i] != want.Backward[i] {
			t.Fatalf("cell %d differs from %s", i, path)
		}
	}
	if len(want.Forward) != 3 || len(want.Backward) != 3 {
		t.Fatalf("%s holds %d/%d cells, want 3/3", path, len(want.Forward), len(want.Backward))
	}
}
