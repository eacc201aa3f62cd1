package cell

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector: decode Hex with Parse ("cell") or ParseMsg ("msg", with the
// relay commands named in Allowed, comma-separated, or "all"); the outcome
// must be Expect, and on success the command must be Cmd.
type vector struct {
	Name    string `json:"name"`
	Parse   string `json:"parse"`
	Allowed string `json:"allowed,omitempty"`
	Hex     string `json:"hex"`
	Expect  string `json:"expect"`
	Cmd     string `json:"cmd,omitempty"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

func outcomeName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrTooLong): // before ErrMalformed, which it also matches
		return "too-long"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrUnknownCommand):
		return "unknown-command"
	case errors.Is(err, ErrNotAllowed):
		return "not-allowed"
	}
	return "unexpected: " + err.Error()
}

func parseAllowed(t testing.TB, s string) CmdSet {
	if s == "all" {
		return AllCmds
	}
	var set CmdSet
	for _, name := range strings.Split(s, ",") {
		i := 1
		for ; i < len(relayNames) && relayNames[i] != name; i++ {
		}
		if i == len(relayNames) {
			t.Fatalf("unknown relay command %q", name)
		}
		set |= Set(RelayCmd(i))
	}
	return set
}

// decodeVector runs the decoder a vector names and returns the command name
// on success.
func decodeVector(t testing.TB, v vector, b []byte) (string, error) {
	switch v.Parse {
	case "cell":
		c, err := Parse(b)
		if err != nil {
			return "", err
		}
		return c.Cmd().String(), nil
	case "msg":
		m, err := ParseMsg(b, parseAllowed(t, v.Allowed))
		if err != nil {
			return "", err
		}
		return m.Cmd.String(), nil
	}
	t.Fatalf("%s: unknown decoder %q", v.Name, v.Parse)
	return "", nil
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
	gen := generateVectors(t).Vectors
	if len(vs) != len(gen) {
		t.Fatalf("%s has %d vectors, the generator %d: run with -update", vectorsFile, len(vs), len(gen))
	}
	for i, v := range vs {
		if v != gen[i] {
			t.Errorf("%s: file differs from the generator (%s): run with -update if the change is intended", v.Name, gen[i].Name)
		}
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		cmd, err := decodeVector(t, v, b)
		if got := outcomeName(err); got != v.Expect {
			t.Errorf("%s: got %q (%v), want %q", v.Name, got, err, v.Expect)
		} else if cmd != v.Cmd {
			t.Errorf("%s: command %q, want %q", v.Name, cmd, v.Cmd)
		}
	}
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}
