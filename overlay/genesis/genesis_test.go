package genesis

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// TestMinimalID checks the ID of a name-only genesis against the spec,
// computed here without the encoder.
func TestMinimalID(t *testing.T) {
	for _, name := range []string{"a", "warren", "Warren", "warren ", "my net #2", strings.Repeat("x", 64)} {
		g := Minimal(name)
		if name == "warren " {
			if _, err := g.ID(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Minimal(%q).ID(): %v, want ErrInvalid", name, err)
			}
			continue
		}
		var msg []byte
		msg = append(msg, IDDomain...)
		msg = append(msg, 2, byte(len(name)))
		msg = append(msg, name...)
		msg = append(msg, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // created, no peers, no validators, no ledger
		if got, want := mustID(t, g), sha256.Sum256(msg); got != want {
			t.Fatalf("Minimal(%q).ID() = %x, want %x", name, got, want)
		}
	}
}

func TestMinimalIDDiffersPerNameAndIsStable(t *testing.T) {
	seen := map[[32]byte]string{}
	for _, name := range []string{"a", "b", "A", "aa", "warren", "warren-test", "warren test", "warren/test"} {
		id := mustID(t, Minimal(name))
		if id != mustID(t, Minimal(name)) {
			t.Fatalf("Minimal(%q).ID() not stable", name)
		}
		if other, dup := seen[id]; dup {
			t.Fatalf("Minimal(%q) and Minimal(%q) share an ID", name, other)
		}
		seen[id] = name
	}
	// Pinned (also computed with Python's hashlib): an accidental change
	// to the format or domain fails here.
	const want = "7eff4d1102682d7334c18d1149899ed618454434488ba857c2672dd42c6f19a5"
	id := mustID(t, Minimal("warren"))
	if got := hex.EncodeToString(id[:]); got != want {
		t.Fatalf("Minimal(\"warren\").ID() = %s, want %s", got, want)
	}
}

// smallOrderEd25519 is the encoding 01 00…00 (the identity point).
var smallOrderEd25519 = [32]byte{1}

func TestValidateRules(t *testing.T) {
	pFF := [32]byte{0xed}
	for i := 1; i < 31; i++ {
		pFF[i] = 0xff
	}
	pFF[31] = 0x7f // u = p
	highBit := linkKey("a")
	highBit[31] |= 0x80
	cases := []struct {
		name  string
		edit  func(g *Genesis)
		field string
	}{
		{"name empty", func(g *Genesis) { g.Name = "" }, "name"},
		{"name 65 bytes", func(g *Genesis) { g.Name = strings.Repeat("n", 65) }, "name"},
		{"name leading space", func(g *Genesis) { g.Name = " net" }, "name"},
		{"name trailing space", func(g *Genesis) { g.Name = "net " }, "name"},
		{"name control char", func(g *Genesis) { g.Name = "net\n1" }, "name"},
		{"name DEL", func(g *Genesis) { g.Name = "net\x7f" }, "name"},
		{"name non-ASCII", func(g *Genesis) { g.Name = "réseau" }, "name"},
		{"created sub-second", func(g *Genesis) { g.Created = created.Add(time.Millisecond) }, "created"},
		{"created at epoch", func(g *Genesis) { g.Created = time.Unix(0, 0) }, "created"},
		{"created before epoch", func(g *Genesis) { g.Created = time.Unix(-1, 0) }, "created"},
		{"created year 10000", func(g *Genesis) { g.Created = time.Unix(maxCreated+1, 0) }, "created"},
		{"65 peers", func(g *Genesis) {
			g.Bootstrap = largest().Bootstrap
			g.Bootstrap = append(g.Bootstrap, peer("x", tcp("127.0.0.1:1")))
		}, "bootstrap"},
		{"node zero", func(g *Genesis) { g.Bootstrap[1].NodeID = identity.NodeID{} }, "bootstrap[1].node"},
		{"node small order", func(g *Genesis) { g.Bootstrap[1].NodeID = smallOrderEd25519 }, "bootstrap[1].node"},
		{"link key zero", func(g *Genesis) { g.Bootstrap[2].LinkKey = [32]byte{} }, "bootstrap[2].link_key"},
		{"link key order 8", func(g *Genesis) { g.Bootstrap[2].LinkKey = x25519SmallOrder[2] }, "bootstrap[2].link_key"},
		{"link key u = p", func(g *Genesis) { g.Bootstrap[2].LinkKey = pFF }, "bootstrap[2].link_key"},
		{"link key bit 255", func(g *Genesis) { g.Bootstrap[2].LinkKey = highBit }, "bootstrap[2].link_key"},
		{"no addrs", func(g *Genesis) { g.Bootstrap[0].Addrs = nil }, "bootstrap[0].addrs"},
		{"5 addrs", func(g *Genesis) {
			g.Bootstrap[0].Addrs = append(g.Bootstrap[0].Addrs, tcp("127.0.0.5:1"), tcp("127.0.0.6:1"), tcp("127.0.0.7:1"))
		}, "bootstrap[0].addrs"},
		{"zero addr", func(g *Genesis) { g.Bootstrap[0].Addrs[1] = record.Addr{} }, "bootstrap[0].addrs[1]"},
		{"port 0", func(g *Genesis) { g.Bootstrap[2].Addrs[1] = tcp("127.0.0.9:0") }, "bootstrap[2].addrs[1]"},
		{"onion port 0", func(g *Genesis) { g.Bootstrap[0].Addrs[1] = record.OnionAddr(nodeID("a"), 0) }, "bootstrap[0].addrs[1]"},
		{"foreign onion", func(g *Genesis) { g.Bootstrap[0].Addrs[1] = record.OnionAddr(nodeID("b"), 443) }, "bootstrap[0].addrs[1]"},
		{"duplicate addr", func(g *Genesis) { g.Bootstrap[2].Addrs[0] = g.Bootstrap[2].Addrs[1] }, "bootstrap[2].addrs[1]"},
		{"duplicate peer", func(g *Genesis) { g.Bootstrap[2].NodeID = g.Bootstrap[0].NodeID }, "bootstrap[2].node"},
		{"65 validators", func(g *Genesis) { g.Validators = append(largest().Validators, Validator{Key: valKey("x"), Name: "x"}) }, "validators"},
		{"validator key zero", func(g *Genesis) { g.Validators[3].Key = [32]byte{} }, "validators[3].key"},
		{"validator key small order", func(g *Genesis) { g.Validators[3].Key = smallOrderEd25519 }, "validators[3].key"},
		{"validator name empty", func(g *Genesis) { g.Validators[1].Name = "" }, "validators[1].name"},
		{"validator name 33 bytes", func(g *Genesis) { g.Validators[1].Name = strings.Repeat("v", 33) }, "validators[1].name"},
		{"validator name trailing space", func(g *Genesis) { g.Validators[1].Name = "bravo " }, "validators[1].name"},
		{"validator name tab", func(g *Genesis) { g.Validators[1].Name = "bra\tvo" }, "validators[1].name"},
		{"duplicate validator key", func(g *Genesis) { g.Validators[2].Key = g.Validators[0].Key }, "validators[2].key"},
		{"duplicate validator name", func(g *Genesis) { g.Validators[3].Name = "alpha" }, "validators[3].name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := sample()
			c.edit(g)
			wantErr(t, g.Validate(), ErrInvalid, c.field)
			if _, err := g.ID(); err == nil {
				t.Fatal("ID of an invalid genesis succeeded")
			}
			if b, err := g.MarshalCanonical(); err == nil || b != nil {
				t.Fatal("MarshalCanonical of an invalid genesis succeeded")
			}
			if b, err := g.MarshalFile(); err == nil || b != nil {
				t.Fatal("MarshalFile of an invalid genesis succeeded")
			}
		})
	}
}

// TestValidateLimits checks values at each limit are accepted.
func TestValidateLimits(t *testing.T) {
	for name, edit := range map[string]func(*Genesis){
		"name 64 bytes":          func(g *Genesis) { g.Name = strings.Repeat("n", 64) },
		"name inner spaces":      func(g *Genesis) { g.Name = "a  b" },
		"name all punctuation":   func(g *Genesis) { g.Name = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" },
		"created 1 s after 1970": func(g *Genesis) { g.Created = time.Unix(1, 0) },
		"created year 9999":      func(g *Genesis) { g.Created = time.Unix(maxCreated, 0) },
		"created local zone":     func(g *Genesis) { g.Created = created.In(time.FixedZone("X", 3600)) },
		"no created":             func(g *Genesis) { g.Created = time.Time{} },
		"no peers":               func(g *Genesis) { g.Bootstrap = nil },
		"no validators":          func(g *Genesis) { g.Validators = nil },
		"validator name 32":      func(g *Genesis) { g.Validators[0].Name = strings.Repeat("v", 32) },
		"largest":                func(g *Genesis) { *g = *largest() },
		"one onion addr":         func(g *Genesis) { g.Bootstrap[0].Addrs = []record.Addr{record.OnionAddr(nodeID("a"), 1)} },
	} {
		g := sample()
		edit(g)
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestOrderIsNormalised: the order of the lists does not change the ID,
// and the encoders sort a copy, leaving the caller's genesis alone.
func TestOrderIsNormalised(t *testing.T) {
	g := sample()
	before := fmt.Sprint(g)
	want := mustCanonical(t, g)
	if fmt.Sprint(g) != before {
		t.Fatal("MarshalCanonical changed the genesis")
	}
	mustFile(t, g)
	if fmt.Sprint(g) != before {
		t.Fatal("MarshalFile changed the genesis")
	}
	r := sample()
	slices.Reverse(r.Bootstrap)
	slices.Reverse(r.Validators)
	for _, p := range r.Bootstrap {
		slices.Reverse(p.Addrs)
	}
	if got := mustCanonical(t, r); !bytes.Equal(got, want) {
		t.Fatal("reordered lists give another canonical form")
	}
	if mustID(t, r) != mustID(t, g) {
		t.Fatal("reordered lists give another ID")
	}
	d, err := UnmarshalCanonical(want)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(d.Bootstrap); i++ {
		if bytes.Compare(d.Bootstrap[i-1].NodeID[:], d.Bootstrap[i].NodeID[:]) >= 0 {
			t.Fatal("decoded peers not sorted by node ID")
		}
	}
}

// TestIDsDifferPerField changes one thing at a time; every result must be
// another network.
func TestIDsDifferPerField(t *testing.T) {
	edits := map[string]func(*Genesis){
		"base":              func(*Genesis) {},
		"name":              func(g *Genesis) { g.Name = "warren-testnet2" },
		"name case":         func(g *Genesis) { g.Name = "Warren-testnet" },
		"no created":        func(g *Genesis) { g.Created = time.Time{} },
		"created +1 s":      func(g *Genesis) { g.Created = created.Add(time.Second) },
		"peer dropped":      func(g *Genesis) { g.Bootstrap = g.Bootstrap[1:] },
		"no peers":          func(g *Genesis) { g.Bootstrap = nil },
		"peer node":         func(g *Genesis) { g.Bootstrap[1].NodeID = nodeID("z") },
		"peer link key":     func(g *Genesis) { g.Bootstrap[1].LinkKey = linkKey("z") },
		"addr port":         func(g *Genesis) { g.Bootstrap[1].Addrs[0] = tcp("[::1]:4102") },
		"addr ip":           func(g *Genesis) { g.Bootstrap[1].Addrs[0] = tcp("[::2]:4101") },
		"addr added":        func(g *Genesis) { g.Bootstrap[1].Addrs = append(g.Bootstrap[1].Addrs, tcp("127.0.0.1:9")) },
		"addr dropped":      func(g *Genesis) { g.Bootstrap[2].Addrs = g.Bootstrap[2].Addrs[1:] },
		"onion port":        func(g *Genesis) { g.Bootstrap[0].Addrs[1] = record.OnionAddr(nodeID("a"), 444) },
		"validator key":     func(g *Genesis) { g.Validators[0].Key = valKey("z") },
		"validator name":    func(g *Genesis) { g.Validators[0].Name = "alphb" },
		"validator dropped": func(g *Genesis) { g.Validators = g.Validators[:3] },
		"validator added": func(g *Genesis) {
			g.Validators = append(g.Validators, Validator{Key: valKey("z"), NodeID: nodeID("z"), Name: "echo"})
		},
		"validator node":       func(g *Genesis) { g.Validators[0].NodeID = nodeID("z") },
		"nodes swapped":        func(g *Genesis) { g.Validators[0].NodeID, g.Validators[1].NodeID = nodeID("v2"), nodeID("v1") },
		"ledger byte":          func(g *Genesis) { g.Ledger = append([]byte{1}, g.Ledger[1:]...) },
		"ledger dropped":       func(g *Genesis) { g.Ledger = nil },
		"names swapped":        func(g *Genesis) { g.Validators[0].Name, g.Validators[1].Name = "bravo", "alpha" },
		"link keys swapped":    func(g *Genesis) { g.Bootstrap[1].LinkKey, g.Bootstrap[2].LinkKey = linkKey("c"), linkKey("b") },
		"validator key = node": func(g *Genesis) { g.Validators[0].Key = nodeID("a") },
	}
	seen := map[[32]byte]string{}
	for name, edit := range edits {
		g := sample()
		edit(g)
		id := mustID(t, g)
		if other, dup := seen[id]; dup {
			t.Fatalf("%q and %q give the same ID", name, other)
		}
		seen[id] = name
		f := mustFile(t, g)
		p, err := ParseFile(f)
		if err != nil || mustID(t, p) != id {
			t.Fatalf("%q: file does not give back the ID: %v", name, err)
		}
	}
}

func TestLargest(t *testing.T) {
	g := largest()
	b := mustCanonical(t, g)
	if len(b) != MaxCanonicalSize {
		t.Fatalf("largest canonical form is %d bytes, MaxCanonicalSize %d", len(b), MaxCanonicalSize)
	}
	f := mustFile(t, g)
	if len(f) > MaxFileSize*5/8 {
		t.Fatalf("largest file is %d bytes: too close to MaxFileSize %d", len(f), MaxFileSize)
	}
	t.Logf("largest genesis: canonical %d bytes, file %d bytes", len(b), len(f))
	if _, err := UnmarshalCanonical(b); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(f); err != nil {
		t.Fatal(err)
	}
}

// TestErrorsHoldNoKeyMaterial: no error text quotes a key, an onion
// address or an IP address, whichever way the genesis came in.
func TestErrorsHoldNoKeyMaterial(t *testing.T) {
	g := sample()
	var secrets []string
	for _, p := range g.Bootstrap {
		secrets = append(secrets, hex.EncodeToString(p.NodeID[:8]), p.NodeID.Short(), hex.EncodeToString(p.LinkKey[:8]))
		for _, a := range p.Addrs {
			ap, _ := a.TCP()
			secrets = append(secrets, ap.Addr().String())
		}
	}
	for _, v := range g.Validators {
		secrets = append(secrets, hex.EncodeToString(v.Key[:8]), v.Name)
	}
	good := mustFile(t, g)
	var errs []error
	bad := sample()
	bad.Bootstrap[1].LinkKey = [32]byte{}
	errs = append(errs, bad.Validate())
	bad = sample()
	bad.Validators[3].Name = "alpha"
	errs = append(errs, bad.Validate())
	for _, edit := range []func(string) string{
		func(s string) string { return strings.Replace(s, "4101", "4109", 1) },
		func(s string) string { return strings.Replace(s, ".onion", ".ONION", 1) },
		func(s string) string { return strings.Replace(s, "\"addrs\": [", "\"addrs\": [\"::1:9\",", 1) },
		func(s string) string { return strings.Replace(s, "\"link_key\": \"", "\"link_key\": \"0", 1) },
		func(s string) string {
			return strings.Replace(s, "\"name\": \"alpha\"", "\"name\": \"alpha\", \"name\": \"x\"", 1)
		},
	} {
		_, err := ParseFile([]byte(edit(string(good))))
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err == nil {
			t.Fatal("an edit was accepted")
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("error %q contains %q", err, s)
			}
		}
	}
}

func TestFieldErrorText(t *testing.T) {
	f := strings.Replace(string(mustFile(t, sample())), "\"link_key\": \"", "\"link_key\": \"ab", 2)
	_, err := ParseFile([]byte(f))
	if got, want := fmt.Sprint(err), "genesis: bootstrap[0].link_key: wrong length (want 64 lowercase hex digits)"; got != want {
		t.Fatalf("error %q, want %q", got, want)
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatal("not ErrMalformed")
	}
}

func TestLogValueHidesAddresses(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("joined", "genesis", sample())
	out := buf.String()
	if !strings.Contains(out, "genesis.name=warren-testnet") || !strings.Contains(out, "genesis.bootstrap=3") {
		t.Fatalf("log line lacks the name or counts: %s", out)
	}
	if strings.Contains(out, "127.0.0") || strings.Contains(out, ".onion") {
		t.Fatalf("log line holds an address: %s", out)
	}
}

// TestLedgerBound: a ledger one byte over MaxLedgerSize is refused by
// Validate and by the file parser; an empty one is the same as none.
func TestLedgerBound(t *testing.T) {
	g := sample()
	g.Ledger = make([]byte, MaxLedgerSize+1)
	wantErr(t, g.Validate(), ErrInvalid, "ledger")
	f := fileGenesis{Version: FileVersion, NetworkID: strings.Repeat("0", 64), Name: "w",
		Ledger: base64.StdEncoding.EncodeToString(g.Ledger)}
	wantErr(t, fst(ParseFile(mustJSON(t, f))), ErrInvalid, "ledger")
	g.Ledger = []byte{}
	empty := sample()
	empty.Ledger = nil
	if mustID(t, g) != mustID(t, empty) {
		t.Fatal("an empty ledger and none give different IDs")
	}
}
