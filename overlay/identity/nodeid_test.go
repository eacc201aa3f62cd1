package identity

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// RFC 8032 section 7.1, test 1: the public key of the all-documented seed
// 9d61b1...7f60. Its onion address was computed independently with Python's
// hashlib.sha3_256 and base64.b32encode, and agrees with the value other
// projects' tests pin for the same key.
const (
	rfc8032Test1Pub   = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	rfc8032Test1Onion = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"

	// The example address from Tor's rend-spec-v3 / tor's documentation,
	// and its key as decoded (checksum verified) by the same Python script.
	specExampleOnion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
	specExamplePub   = "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"
)

func mustID(t *testing.T, hexKey string) NodeID {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad test key %q", hexKey)
	}
	return NodeID(b)
}

func TestOnionKnownVectorRFC8032(t *testing.T) {
	id := mustID(t, rfc8032Test1Pub)
	if got := id.Onion(); got != rfc8032Test1Onion {
		t.Fatalf("Onion() = %s, want %s", got, rfc8032Test1Onion)
	}
	back, err := ParseNodeID(rfc8032Test1Onion)
	if err != nil || back != id {
		t.Fatalf("ParseNodeID = %x, %v; want %x", back, err, id)
	}
}

func TestParseSpecExample(t *testing.T) {
	id, err := ParseNodeID(specExampleOnion)
	if err != nil {
		t.Fatalf("ParseNodeID(spec example): %v", err)
	}
	if want := mustID(t, specExamplePub); id != want {
		t.Fatalf("key = %x, want %x", id, want)
	}
	if id.Onion() != specExampleOnion {
		t.Fatalf("Onion() = %s, want %s", id.Onion(), specExampleOnion)
	}
}

func TestNodeIDRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var id NodeID
		for i := range id {
			id[i] = byte(r.Uint32())
		}
		if id.IsZero() {
			continue
		}
		s := id.Onion()
		if len(s) != OnionAddrLen+len(".onion") || s != strings.ToLower(s) {
			t.Fatalf("Onion() = %q: want 62 lower-case characters", s)
		}
		for _, in := range []string{s, strings.TrimSuffix(s, ".onion")} {
			got, err := ParseNodeID(in)
			if err != nil || got != id {
				t.Fatalf("ParseNodeID(%q) = %x, %v; want %x", in, got, err, id)
			}
		}
		if id.String() != s || id.Short() != s[:8] {
			t.Fatalf("String/Short disagree with Onion")
		}
	}
}

func TestParseNodeIDUpperCase(t *testing.T) {
	want := mustID(t, specExamplePub)
	for _, in := range []string{
		strings.ToUpper(specExampleOnion),
		strings.ToUpper(specExampleOnion[:10]) + specExampleOnion[10:],
		strings.TrimSuffix(specExampleOnion, ".onion") + ".ONION",
	} {
		got, err := ParseNodeID(in)
		if err != nil || got != want {
			t.Errorf("ParseNodeID(%q) = %v; want the spec key", in, err)
		}
	}
}

func TestParseNodeIDRejects(t *testing.T) {
	base := strings.TrimSuffix(rfc8032Test1Onion, ".onion")
	cases := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrOnionLength},
		{"suffix only", ".onion", ErrOnionLength},
		{"one short", base[1:] + ".onion", ErrOnionLength},
		{"one long", base + "a.onion", ErrOnionLength},
		{"v2 address", "expyuzz4wqqyqhjn.onion", ErrOnionLength},
		{"double suffix", rfc8032Test1Onion + ".onion", ErrOnionLength},
		{"digit 1", "1" + base[1:], ErrOnionEncoding},
		{"digit 0", base[:20] + "0" + base[21:], ErrOnionEncoding},
		{"padding", base[:55] + "=", ErrOnionEncoding},
		{"space", " " + base[1:], ErrOnionEncoding},
		{"kelvin sign folds to k", strings.Replace(base, "k", "\u212a", 1), ErrOnionEncoding},
		{"bad checksum", "3" + base[1:], ErrOnionChecksum},
		{"bad version", withVersion(t, mustID(t, rfc8032Test1Pub), 4), ErrOnionVersion},
		{"version 0", withVersion(t, mustID(t, rfc8032Test1Pub), 0), ErrOnionVersion},
		{"zero key", NodeID{}.Onion(), ErrOnionKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, err := ParseNodeID(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("ParseNodeID(%q) error = %v, want %v", c.in, err, c.want)
			}
			if !id.IsZero() {
				t.Fatalf("a failed parse returned a non-zero ID")
			}
		})
	}
}

// withVersion encodes id as an onion address with a valid version-3
// checksum but the given version byte.
func withVersion(t *testing.T, id NodeID, v byte) string {
	t.Helper()
	raw := append(id[:], 0, 0, v)
	c := onionChecksum(id[:])
	copy(raw[32:], c[:])
	return strings.ToLower(onionEncoding.EncodeToString(raw)) + ".onion"
}
