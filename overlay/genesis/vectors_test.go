package genesis

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the generators")

const (
	vectorsFile = "testdata/vectors.json"
	exampleFile = "testdata/example.genesis.json"
)

// vector: UnmarshalCanonical(Canonical) must give Expect; for "ok", the
// re-encoding is Canonical and the ID is ID.
type vector struct {
	Name      string `json:"name"`
	Canonical string `json:"canonical"`
	ID        string `json:"id,omitempty"`
	Expect    string `json:"expect"`
}

type vectorFile struct {
	Comment   string   `json:"comment"`
	ExampleID string   `json:"example_id"`
	Vectors   []vector `json:"vectors"`
}

var outcomes = map[string]error{"ok": nil, "malformed": ErrMalformed, "invalid": ErrInvalid, "version": ErrVersion}

func outcomeName(err error) string {
	for name, e := range outcomes {
		if (e == nil && err == nil) || (e != nil && errors.Is(err, e)) {
			return name
		}
	}
	return "unexpected: " + err.Error()
}

// raw builds canonical forms by hand, independently of the encoder, so
// the vectors also check the encoder against the spec in canonical.go.
type raw struct {
	version byte
	name    string
	created uint64
	peers   []rawPeer
	vals    []rawVal
	ledger  []byte
}

type rawPeer struct {
	node  identity.NodeID
	link  [32]byte
	addrs [][]byte
}

type rawVal struct {
	key  [32]byte
	node identity.NodeID
	name string
}

func rawAddr(kind byte, body []byte, port uint16) []byte {
	return binary.BigEndian.AppendUint16(append([]byte{kind}, body...), port)
}

func (r raw) bytes() []byte {
	b := append([]byte{r.version, byte(len(r.name))}, r.name...)
	b = binary.BigEndian.AppendUint64(b, r.created)
	b = append(b, byte(len(r.peers)))
	for _, p := range r.peers {
		b = append(append(append(b, p.node[:]...), p.link[:]...), byte(len(p.addrs)))
		for _, a := range p.addrs {
			b = append(b, a...)
		}
	}
	b = append(b, byte(len(r.vals)))
	for _, v := range r.vals {
		b = append(append(append(append(b, v.key[:]...), v.node[:]...), byte(len(v.name))), v.name...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.ledger)))
	return append(b, r.ledger...)
}

// rawSample is sample() in canonical order.
func rawSample() raw {
	a, b, c := nodeID("a"), nodeID("b"), nodeID("c")
	r := raw{version: 2, name: "warren-testnet", created: uint64(created.Unix()), ledger: sampleLedger, peers: []rawPeer{
		{a, linkKey("a"), [][]byte{rawAddr(1, a[:], 443), rawAddr(2, []byte{127, 0, 0, 1}, 4100)}},
		{b, linkKey("b"), [][]byte{rawAddr(3, append(make([]byte, 15), 1), 4101)}},
		{c, linkKey("c"), [][]byte{rawAddr(2, []byte{127, 0, 0, 2}, 4102), rawAddr(2, []byte{127, 0, 0, 3}, 4102)}},
	}}
	slices.SortFunc(r.peers, func(x, y rawPeer) int { return bytes.Compare(x.node[:], y.node[:]) })
	for i, n := range []string{"alpha", "bravo", "charlie", "delta"} {
		v := "v" + string(rune('1'+i))
		r.vals = append(r.vals, rawVal{valKey(v), nodeID(v), n})
	}
	slices.SortFunc(r.vals, func(x, y rawVal) int { return bytes.Compare(x.key[:], y.key[:]) })
	return r
}

func generateVectors(t testing.TB) vectorFile {
	var vs []vector
	add := func(name string, b []byte, expect string) {
		v := vector{Name: name, Canonical: hex.EncodeToString(b), Expect: expect}
		if expect == "ok" {
			v.ID = hex.EncodeToString(idOf(b))
		}
		vs = append(vs, v)
	}
	edit := func(f func(r *raw)) []byte {
		r := rawSample()
		f(&r)
		return r.bytes()
	}
	base := rawSample().bytes()
	if enc := mustCanonical(t, sample()); !bytes.Equal(enc, base) {
		t.Fatalf("encoder and hand-built canonical form differ:\n%x\n%x", enc, base)
	}
	add("ok/sample", base, "ok")
	add("ok/minimal", raw{version: 2, name: "warren"}.bytes(), "ok")
	add("ok/no created", edit(func(r *raw) { r.created = 0 }), "ok")
	add("ok/created max", edit(func(r *raw) { r.created = maxCreated }), "ok")
	add("ok/no validators", edit(func(r *raw) { r.vals = nil }), "ok")
	add("ok/no peers", edit(func(r *raw) { r.peers = nil }), "ok")
	add("ok/no ledger", edit(func(r *raw) { r.ledger = nil }), "ok")
	addFormVectors(add, base)
	addPeerVectors(add, edit)
	addValidatorVectors(add, edit)
	exampleID := mustID(t, sample())
	return vectorFile{
		Comment:   "Genesis canonical-form vectors (spec: canonical.go). Decode canonical (hex); expect the outcome; for ok, id is the network ID. example_id is the ID of " + exampleFile + ". Regenerate only with: go test ./overlay/genesis -run TestVectors -update",
		ExampleID: hex.EncodeToString(exampleID[:]),
		Vectors:   vs,
	}
}

// idOf hashes canonical bytes as the spec says, without the encoder.
func idOf(b []byte) []byte {
	h := sha256Sum(append([]byte(IDDomain), b...))
	return h[:]
}

func addFormVectors(add func(string, []byte, string), base []byte) {
	set := func(i int, v byte) []byte { b := slices.Clone(base); b[i] = v; return b }
	add("malformed/empty", nil, "malformed")
	add("version/0", set(0, 0), "version")
	add("version/1", set(0, 1), "version")
	add("version/3", set(0, 3), "version")
	add("malformed/trailing byte", append(slices.Clone(base), 0), "malformed")
	add("malformed/truncated", base[:len(base)-1], "malformed")
	add("malformed/name length 0", raw{version: 2}.bytes(), "malformed")
	add("malformed/name length 65", raw{version: 2, name: strings.Repeat("n", 65)}.bytes(), "malformed")
	add("invalid/name trailing space", raw{version: 2, name: "warren "}.bytes(), "invalid")
	add("invalid/name control char", raw{version: 2, name: "war\x00ren"}.bytes(), "invalid")
	add("invalid/name non-ASCII", raw{version: 2, name: "r\xc3\xa9seau"}.bytes(), "invalid")
	add("invalid/created over max", raw{version: 2, name: "w", created: maxCreated + 1}.bytes(), "invalid")
	add("malformed/peer count 65", append(raw{version: 2, name: "w"}.bytes()[:11:11], 65), "malformed")
	add("malformed/truncated validator count", raw{version: 2, name: "w"}.bytes()[:12], "malformed")
	add("malformed/truncated ledger length", raw{version: 2, name: "w"}.bytes()[:15], "malformed")
	add("malformed/ledger length over max", binary.BigEndian.AppendUint32(raw{version: 2, name: "w"}.bytes()[:13:13], MaxLedgerSize+1), "malformed")
	add("malformed/ledger shorter than its length", append(raw{version: 2, name: "w"}.bytes()[:13:13], 0, 0, 0, 2, 7), "malformed")
}

func addPeerVectors(add func(string, []byte, string), edit func(func(*raw)) []byte) {
	add("malformed/peers unsorted", edit(func(r *raw) { r.peers[0], r.peers[1] = r.peers[1], r.peers[0] }), "malformed")
	add("invalid/duplicate peer", edit(func(r *raw) { r.peers[1] = r.peers[0] }), "invalid")
	add("invalid/node small order", edit(func(r *raw) { r.peers[0].node = smallOrderEd25519; r.peers[0].addrs = r.peers[0].addrs[:1] }), "invalid")
	add("invalid/link key zero", edit(func(r *raw) { r.peers[0].link = [32]byte{} }), "invalid")
	add("invalid/link key order 8", edit(func(r *raw) { r.peers[0].link = x25519SmallOrder[3] }), "invalid")
	add("invalid/link key bit 255", edit(func(r *raw) { r.peers[0].link[31] |= 0x80 }), "invalid")
	add("malformed/addr count 0", edit(func(r *raw) { r.peers[0].addrs = nil }), "malformed")
	four := [][]byte{}
	for i := range 5 {
		four = append(four, rawAddr(2, []byte{127, 0, 0, byte(i + 1)}, 1))
	}
	add("ok/4 addrs", edit(func(r *raw) { r.peers[0].addrs = four[:4] }), "ok")
	add("malformed/addr count 5", edit(func(r *raw) { r.peers[0].addrs = four }), "malformed")
	add("malformed/addr type 0", edit(func(r *raw) { r.peers[0].addrs = [][]byte{rawAddr(0, []byte{127, 0, 0, 1}, 1)} }), "malformed")
	add("malformed/addr type 4", edit(func(r *raw) { r.peers[0].addrs = [][]byte{rawAddr(4, []byte{127, 0, 0, 1}, 1)} }), "malformed")
	add("invalid/port 0", edit(func(r *raw) { r.peers[0].addrs = [][]byte{rawAddr(2, []byte{127, 0, 0, 1}, 0)} }), "invalid")
	add("invalid/foreign onion", edit(func(r *raw) { r.peers[0].addrs = [][]byte{rawAddr(1, r.peers[1].node[:], 443)} }), "invalid")
	mapped := append(make([]byte, 10), 0xff, 0xff, 127, 0, 0, 1)
	add("invalid/ipv4-mapped ipv6", edit(func(r *raw) { r.peers[0].addrs = [][]byte{rawAddr(3, mapped, 1)} }), "invalid")
	add("malformed/addrs unsorted", edit(func(r *raw) { r.peers[0].addrs = [][]byte{four[1], four[0]} }), "malformed")
	add("invalid/addrs duplicate", edit(func(r *raw) { r.peers[0].addrs = [][]byte{four[0], four[0]} }), "invalid")
	add("malformed/ports sort as bytes", edit(func(r *raw) {
		r.peers[0].addrs = [][]byte{rawAddr(2, []byte{127, 0, 0, 1}, 256), rawAddr(2, []byte{127, 0, 0, 1}, 255)}
	}), "malformed")
}

func addValidatorVectors(add func(string, []byte, string), edit func(func(*raw)) []byte) {
	add("malformed/validators unsorted", edit(func(r *raw) { r.vals[0], r.vals[1] = r.vals[1], r.vals[0] }), "malformed")
	add("invalid/duplicate validator key", edit(func(r *raw) { r.vals[1].key = r.vals[0].key }), "invalid")
	add("invalid/duplicate validator name", edit(func(r *raw) { r.vals[1].name = r.vals[0].name }), "invalid")
	add("invalid/validator key small order", edit(func(r *raw) { r.vals = []rawVal{{smallOrderEd25519, nodeID("x"), "x"}} }), "invalid")
	add("invalid/validator node small order", edit(func(r *raw) { r.vals[0].node = smallOrderEd25519 }), "invalid")
	add("invalid/duplicate validator node", edit(func(r *raw) { r.vals[1].node = r.vals[0].node }), "invalid")
	add("malformed/validator name length 0", edit(func(r *raw) { r.vals[0].name = "" }), "malformed")
	add("malformed/validator name length 33", edit(func(r *raw) { r.vals[0].name = strings.Repeat("v", 33) }), "malformed")
	add("invalid/validator name leading space", edit(func(r *raw) { r.vals[0].name = " v" }), "invalid")
	add("malformed/validator count 65", edit(func(r *raw) {
		for len(r.vals) < 65 {
			r.vals = append(r.vals, rawVal{r.vals[0].key, r.vals[0].node, "v"})
		}
	}), "malformed")
}

func loadVectors(t testing.TB) vectorFile {
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	return vf
}

func writeJSON(t testing.TB, path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVectors: the stored vectors decode as they say, and the generator
// (that is, the encoder and the spec) still produces them byte for byte.
func TestVectors(t *testing.T) {
	gen := generateVectors(t)
	if *update {
		writeJSON(t, vectorsFile, gen)
		if err := os.WriteFile(exampleFile, mustFile(t, sample()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vf := loadVectors(t)
	if g, _ := json.Marshal(gen); !bytes.Equal(g, mustJSON(t, vf)) {
		t.Fatal("testdata/vectors.json differs from the generator: the format changed (rerun with -update only if that is intended)")
	}
	for _, v := range vf.Vectors {
		b, err := hex.DecodeString(v.Canonical)
		if err != nil {
			t.Fatal(err)
		}
		g, err := UnmarshalCanonical(b)
		if got := outcomeName(err); got != v.Expect {
			t.Errorf("%s: got %s, want %s", v.Name, got, v.Expect)
			continue
		}
		if err != nil {
			if g != nil {
				t.Errorf("%s: error with a non-nil genesis", v.Name)
			}
			continue
		}
		if out := mustCanonical(t, g); !bytes.Equal(out, b) {
			t.Errorf("%s: re-encoding differs", v.Name)
		}
		if id := mustID(t, g); hex.EncodeToString(id[:]) != v.ID {
			t.Errorf("%s: ID %x, want %s", v.Name, id, v.ID)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExampleFile pins the file form and the ID of sample().
func TestExampleFile(t *testing.T) {
	want, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustFile(t, sample()); !bytes.Equal(got, want) {
		t.Fatalf("MarshalFile(sample) differs from %s:\n%s", exampleFile, got)
	}
	g, err := ParseFile(want)
	if err != nil {
		t.Fatal(err)
	}
	id := mustID(t, g)
	if got := hex.EncodeToString(id[:]); got != loadVectors(t).ExampleID {
		t.Fatalf("example ID %s, pinned %s", got, loadVectors(t).ExampleID)
	}
}
