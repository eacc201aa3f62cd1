package genesis

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

func TestFileRoundTrip(t *testing.T) {
	for name, g := range map[string]*Genesis{"minimal": Minimal("warren"), "sample": sample(), "largest": largest()} {
		f := mustFile(t, g)
		p, err := ParseFile(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, _ := g.canonical()
		if !reflect.DeepEqual(p, c) {
			t.Fatalf("%s: parsed %+v\nwant %+v", name, p, c)
		}
		if again := mustFile(t, p); !bytes.Equal(again, f) {
			t.Fatalf("%s: MarshalFile not deterministic", name)
		}
	}
}

func TestMinimalFileText(t *testing.T) {
	id := mustID(t, Minimal("my net <&>"))
	want := "{\n  \"warren_genesis\": 2,\n  \"network_id\": \"" + hex.EncodeToString(id[:]) + "\",\n  \"name\": \"my net <&>\"\n}\n"
	if got := string(mustFile(t, Minimal("my net <&>"))); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// editFile applies f to the file form of sample() and re-encodes it; the
// network_id is left as it was.
func editFile(t *testing.T, f func(*fileGenesis)) string {
	t.Helper()
	var fg fileGenesis
	if err := json.Unmarshal(mustFile(t, sample()), &fg); err != nil {
		t.Fatal(err)
	}
	f(&fg)
	b, err := json.MarshalIndent(&fg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func replaceIn(t *testing.T, old, new string) string {
	t.Helper()
	s := string(mustFile(t, sample()))
	if !strings.Contains(s, old) {
		t.Fatalf("sample file lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestParseFileEdited: a file changed after it was written no longer
// matches its network_id, whatever changed.
func TestParseFileEdited(t *testing.T) {
	for name, f := range map[string]string{
		"name":       replaceIn(t, `"name": "warren-testnet"`, `"name": "warren-testnet2"`),
		"port":       replaceIn(t, "4101", "4109"),
		"created":    replaceIn(t, "12:00:00Z", "12:00:01Z"),
		"network_id": replaceIn(t, `"network_id": "2`, `"network_id": "3`),
		"ledger":     replaceIn(t, `"ledger": "b3B`, `"ledger": "b4B`),
		"val node": editFile(t, func(f *fileGenesis) {
			f.Validators[0].Node, f.Validators[1].Node = f.Validators[1].Node, f.Validators[0].Node
		}),
		"peer gone":  editFile(t, func(f *fileGenesis) { f.Bootstrap = f.Bootstrap[1:] }),
		"addr added": editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs = append(f.Bootstrap[1].Addrs, "127.0.0.1:1") }),
		"validator":  editFile(t, func(f *fileGenesis) { f.Validators[0].Name = "echo" }),
		"no created": editFile(t, func(f *fileGenesis) { f.Created = nil }),
	} {
		g, err := ParseFile([]byte(f))
		if !errors.Is(err, ErrIDMismatch) || g != nil {
			t.Errorf("%s: got %v, want ErrIDMismatch", name, err)
		}
	}
	if !strings.Contains(ErrIDMismatch.Error(), "edited") {
		t.Fatalf("ErrIDMismatch does not say the file was edited: %q", ErrIDMismatch)
	}
}

// TestParseFileAnyOrder: the order of the lists carries no meaning, so a
// file with them reordered parses to the same genesis and ID.
func TestParseFileAnyOrder(t *testing.T) {
	f := editFile(t, func(f *fileGenesis) {
		slices.Reverse(f.Bootstrap)
		slices.Reverse(f.Validators)
		for _, p := range f.Bootstrap {
			slices.Reverse(p.Addrs)
		}
	})
	g, err := ParseFile([]byte(f))
	if err != nil {
		t.Fatal(err)
	}
	if mustID(t, g) != mustID(t, sample()) {
		t.Fatal("reordered file gives another ID")
	}
	if !bytes.Equal(mustFile(t, g), mustFile(t, sample())) {
		t.Fatal("MarshalFile of the reordered file is not canonical")
	}
}

func TestParseFileRejects(t *testing.T) {
	weakNode := identity.NodeID(smallOrderEd25519).Onion()
	cases := []struct {
		name, file string
		class      error
		field      string
	}{
		{"empty", "", ErrMalformed, ""},
		{"not JSON", "hello", ErrMalformed, ""},
		{"top-level array", "[1]", ErrMalformed, ""},
		{"unclosed", `{"warren_genesis": 1`, ErrMalformed, ""},
		{"trailing object", string(mustFile(t, sample())) + "{}", ErrMalformed, ""},
		{"trailing garbage", string(mustFile(t, sample())) + "x", ErrMalformed, ""},
		{"field twice", replaceIn(t, `"name": "warren-testnet"`, `"name": "warren-testnet", "name": "x"`), ErrMalformed, ""},
		{"field twice, escaped", replaceIn(t, `"name": "warren-testnet"`, `"name": "warren-testnet", "n\u0061me": "x"`), ErrMalformed, ""},
		{"field twice in a peer", replaceIn(t, `"link_key"`, `"node": "x", "link_key"`), ErrMalformed, ""},
		{"field name case", replaceIn(t, `"name": "warren-testnet"`, `"Name": "warren-testnet"`), ErrMalformed, ""},
		{"unknown field", replaceIn(t, "{", `{"extra": 1,`), ErrMalformed, ""},
		{"known field misplaced", replaceIn(t, "{", `{"node": "x",`), ErrMalformed, ""},
		{"too deep", replaceIn(t, "{", `{"extra": [[[[1]]]],`), ErrMalformed, ""},
		{"version 1", replaceIn(t, `"warren_genesis": 2`, `"warren_genesis": 1`), ErrVersion, "warren_genesis"},
		{"version 3", replaceIn(t, `"warren_genesis": 2`, `"warren_genesis": 3`), ErrVersion, "warren_genesis"},
		{"version 3, new fields", replaceIn(t, `"warren_genesis": 2,`, `"warren_genesis": 3, "signatures": [],`), ErrVersion, "warren_genesis"},
		{"version string", replaceIn(t, `"warren_genesis": 2`, `"warren_genesis": "2"`), ErrMalformed, "warren_genesis"},
		{"version 2.0", replaceIn(t, `"warren_genesis": 2`, `"warren_genesis": 2.0`), ErrMalformed, "warren_genesis"},
		{"version missing", replaceIn(t, `"warren_genesis": 2,`, ``), ErrMalformed, "warren_genesis"},
		{"ledger not base64", replaceIn(t, `"ledger": "b3B`, `"ledger": "b3*`), ErrMalformed, "ledger"},
		{"ledger unpadded", replaceIn(t, `AP8="`, `AP8"`), ErrMalformed, "ledger"},
		{"validator node missing", replaceIn(t, `"node": "ydk`, `"nodx": "ydk`), ErrMalformed, ""},
		{"network_id missing", editFile(t, func(f *fileGenesis) { f.NetworkID = "" }), ErrMalformed, "network_id"},
		{"network_id upper case", editFile(t, func(f *fileGenesis) { f.NetworkID = strings.ToUpper(f.NetworkID) }), ErrMalformed, "network_id"},
		{"network_id short", editFile(t, func(f *fileGenesis) { f.NetworkID = f.NetworkID[2:] }), ErrMalformed, "network_id"},
		{"name wrong type", replaceIn(t, `"name": "warren-testnet"`, `"name": 5`), ErrMalformed, "name"},
		{"name invalid", replaceIn(t, `"name": "warren-testnet"`, `"name": "warren\ttestnet"`), ErrInvalid, "name"},
		{"created empty", replaceIn(t, `"2026-03-01T12:00:00Z"`, `""`), ErrMalformed, "created"},
		{"created offset", replaceIn(t, `"2026-03-01T12:00:00Z"`, `"2026-03-01T13:00:00+01:00"`), ErrMalformed, "created"},
		{"created fraction", replaceIn(t, `"2026-03-01T12:00:00Z"`, `"2026-03-01T12:00:00.0Z"`), ErrMalformed, "created"},
		{"created epoch", replaceIn(t, `"2026-03-01T12:00:00Z"`, `"1970-01-01T00:00:00Z"`), ErrInvalid, "created"},
		{"created null", replaceIn(t, `"2026-03-01T12:00:00Z"`, `null`), ErrIDMismatch, ""},
		{"node upper case", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Node = strings.ToUpper(f.Bootstrap[1].Node) }), ErrMalformed, "bootstrap[1].node"},
		{"node without .onion", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Node = strings.TrimSuffix(f.Bootstrap[1].Node, ".onion") }), ErrMalformed, "bootstrap[1].node"},
		{"node checksum", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Node = "a" + f.Bootstrap[1].Node[1:] }), ErrMalformed, "bootstrap[1].node"},
		{"node small order", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Node = weakNode }), ErrInvalid, "bootstrap[1].node"},
		{"link_key upper case", editFile(t, func(f *fileGenesis) { f.Bootstrap[2].LinkKey = strings.ToUpper(f.Bootstrap[2].LinkKey) }), ErrMalformed, "bootstrap[2].link_key"},
		{"link_key short", editFile(t, func(f *fileGenesis) { f.Bootstrap[2].LinkKey = f.Bootstrap[2].LinkKey[1:] }), ErrMalformed, "bootstrap[2].link_key"},
		{"link_key zero", editFile(t, func(f *fileGenesis) { f.Bootstrap[2].LinkKey = strings.Repeat("0", 64) }), ErrInvalid, "bootstrap[2].link_key"},
		{"addr onion upper case", editFile(t, func(f *fileGenesis) { f.Bootstrap[2].Addrs[0] = strings.ToUpper(f.Bootstrap[2].Addrs[0]) }), ErrMalformed, "bootstrap[2].addrs[0]"},
		{"addr mapped IPv6", editFile(t, func(f *fileGenesis) { f.Bootstrap[2].Addrs[1] = "[::ffff:127.0.0.1]:4100" }), ErrMalformed, "bootstrap[2].addrs[1]"},
		{"addr IPv6 long form", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs[0] = "[0:0:0:0:0:0:0:1]:4101" }), ErrMalformed, "bootstrap[1].addrs[0]"},
		{"addr port 0", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs[0] = "[::1]:0" }), ErrMalformed, "bootstrap[1].addrs[0]"},
		{"addr host name", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs[0] = "localhost:4101" }), ErrMalformed, "bootstrap[1].addrs[0]"},
		{"addr foreign onion", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs[0] = f.Bootstrap[2].Addrs[0] }), ErrInvalid, "bootstrap[1].addrs[0]"},
		{"no addrs", editFile(t, func(f *fileGenesis) { f.Bootstrap[1].Addrs = nil }), ErrInvalid, "bootstrap[1].addrs"},
		{"5 addrs", editFile(t, func(f *fileGenesis) {
			f.Bootstrap[1].Addrs = []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:4", "127.0.0.1:5"}
		}), ErrInvalid, "bootstrap[1].addrs"},
		{"duplicate addr", editFile(t, func(f *fileGenesis) { f.Bootstrap[0].Addrs[1] = f.Bootstrap[0].Addrs[0] }), ErrInvalid, "bootstrap[0].addrs[1]"},
		{"duplicate peer", editFile(t, func(f *fileGenesis) { f.Bootstrap = append(f.Bootstrap, f.Bootstrap[0]) }), ErrInvalid, "bootstrap[3].node"},
		{"validator key upper case", editFile(t, func(f *fileGenesis) { f.Validators[1].Key = strings.ToUpper(f.Validators[1].Key) }), ErrMalformed, "validators[1].key"},
		{"validator key small order", editFile(t, func(f *fileGenesis) { f.Validators[1].Key = "01" + strings.Repeat("0", 62) }), ErrInvalid, "validators[1].key"},
		{"validator name long", editFile(t, func(f *fileGenesis) { f.Validators[1].Name = strings.Repeat("v", 33) }), ErrInvalid, "validators[1].name"},
		{"duplicate validator name", editFile(t, func(f *fileGenesis) { f.Validators[3].Name = f.Validators[0].Name }), ErrInvalid, "validators[3].name"},
		{"duplicate validator key", editFile(t, func(f *fileGenesis) { f.Validators[3].Key = f.Validators[0].Key }), ErrInvalid, "validators[3].key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := ParseFile([]byte(c.file))
			if g != nil {
				t.Fatal("error with a non-nil genesis")
			}
			if c.class == ErrIDMismatch {
				if !errors.Is(err, ErrIDMismatch) {
					t.Fatalf("got %v, want ErrIDMismatch", err)
				}
				return
			}
			wantErr(t, err, c.class, c.field)
		})
	}
}

// TestParseFileWrongTypes: a field of the wrong JSON type is named.
func TestParseFileWrongTypes(t *testing.T) {
	minimal := string(mustFile(t, Minimal("w")))
	for _, c := range []struct{ field, value, want string }{
		{"bootstrap", `{}`, "bootstrap"},
		{"bootstrap", `[{"node": 5}]`, "bootstrap.node"},
		{"validators", `"none"`, "validators"},
		{"validators", `[{"name": true}]`, "validators.name"},
		{"created", `5`, "created"},
	} {
		s := strings.Replace(minimal, `"warren_genesis": 2,`, `"warren_genesis": 2, "`+c.field+`": `+c.value+`,`, 1)
		wantErr(t, fst(ParseFile([]byte(s))), ErrMalformed, c.want)
	}
}

func TestParseFileSizeLimit(t *testing.T) {
	f := mustFile(t, sample())
	pad := func(n int) []byte { return append(slices.Clone(f), bytes.Repeat([]byte{' '}, n-len(f))...) }
	if _, err := ParseFile(pad(MaxFileSize)); err != nil {
		t.Fatalf("a file of MaxFileSize bytes: %v", err)
	}
	wantErr(t, fst(ParseFile(pad(MaxFileSize+1))), ErrMalformed, "")
}

// TestParseFileNoStrictPrefix: no prefix of a file short of its closing
// brace parses (what follows the brace is white space).
func TestParseFileNoStrictPrefix(t *testing.T) {
	for _, g := range []*Genesis{Minimal("w"), sample()} {
		f := bytes.TrimSpace(mustFile(t, g))
		for i := range f {
			if g, err := ParseFile(f[:i]); err == nil || g != nil {
				t.Fatalf("prefix of %d of %d bytes parses", i, len(f))
			}
		}
		if _, err := ParseFile(f); err != nil {
			t.Fatal(err)
		}
	}
}
