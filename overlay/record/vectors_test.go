package record

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector is one test vector: decode Record (hex) and Verify it for Network
// at Now; the outcome must be Expect.
type vector struct {
	Name    string `json:"name"`
	Record  string `json:"record"`
	Network string `json:"network"`
	Now     int64  `json:"now"`
	Expect  string `json:"expect"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

// Outcome names used in the vector file.
var outcomes = map[string]error{
	"ok":              nil,
	"malformed":       ErrMalformed,
	"unknown version": ErrUnknownVersion,
	"bad signature":   ErrBadSignature,
	"expired":         ErrExpired,
	"not yet valid":   ErrNotYetValid,
}

func outcomeName(err error) string {
	for name, e := range outcomes {
		if (e == nil && err == nil) || (e != nil && errors.Is(err, e)) {
			return name
		}
	}
	return "unexpected: " + err.Error()
}

// Byte offsets in an encoded record (see codec.go).
const (
	offNode, offLink, offOnion, offEpoch, offRoles = 1, 33, 65, 97, 101
	offIssued, offExpires, offCount, offAddrs      = 102, 110, 118, 119
)

// resign replaces b's signature with a valid one by key over netA, so a
// malformed vector fails for its structure, not its signature.
func resign(b []byte, key ed25519.PrivateKey) []byte {
	body := b[:len(b)-SignatureSize]
	msg := append(append([]byte(Domain), netA[:]...), body...)
	return append(slices.Clone(body), ed25519.Sign(key, msg)...)
}

func generateVectors(t testing.TB) vectorFile {
	_, idA := nodeKey("a")
	keyA, _ := nodeKey("a")
	keyB, _ := nodeKey("b")
	base := mustMarshal(t, signed(t, "a"))
	minR, _ := unsigned("a", tcp("192.0.2.1:1"), tcp("192.0.2.2:1"))
	minR.Roles = RoleValidator
	if err := minR.Sign(keyA, netA); err != nil {
		t.Fatal(err)
	}
	two := mustMarshal(t, minR) // two IPv4 addresses, 7 bytes each
	long, _ := unsigned("a")
	long.ExpiresAt = long.IssuedAt + uint64(MaxRecordLifetime/time.Second)
	if err := long.Sign(keyA, netA); err != nil {
		t.Fatal(err)
	}
	issued := t0.Unix()
	var vs []vector
	add := func(name string, b []byte, net [32]byte, now int64, expect string) {
		vs = append(vs, vector{name, hex.EncodeToString(b), hex.EncodeToString(net[:]), now, expect})
	}
	edit := func(b []byte, f func(m []byte) []byte) []byte { return f(slices.Clone(b)) }
	signedEdit := func(b []byte, f func(m []byte)) []byte {
		m := slices.Clone(b)
		f(m)
		return resign(m, keyA)
	}

	add("ok/onion+ipv4+ipv6", base, netA, issued, "ok")
	add("ok/two-ipv4-validator", two, netA, issued, "ok")
	add("ok/4-onion-addrs-max-size", mustMarshal(t, signed(t, "a",
		OnionAddr(idA, 1), OnionAddr(idA, 2), OnionAddr(idA, 80), OnionAddr(idA, 443))), netA, issued, "ok")
	add("ok/max-lifetime", mustMarshal(t, long), netA, issued+int64(MaxRecordLifetime/time.Second)-1, "ok")
	add("ok/issued-at-skew-limit", base, netA, issued-int64(MaxClockSkew/time.Second), "ok")

	add("bad signature/other network", base, netB, issued, "bad signature")
	add("bad signature/flipped signature bit", edit(base, func(m []byte) []byte { m[len(m)-1] ^= 1; return m }), netA, issued, "bad signature")
	add("bad signature/link key changed", edit(base, func(m []byte) []byte { m[offLink] ^= 1; return m }), netA, issued, "bad signature")
	add("bad signature/signed by another key", resign(base, keyB), netA, issued, "bad signature")
	add("expired/at expiry", base, netA, issued+86400, "expired")
	add("not yet valid/skew plus one second", base, netA, issued-int64(MaxClockSkew/time.Second)-1, "not yet valid")

	add("malformed/empty", nil, netA, issued, "malformed")
	add("malformed/truncated signature", base[:len(base)-1], netA, issued, "malformed")
	add("malformed/truncated address", two[:offAddrs+3], netA, issued, "malformed")
	add("malformed/trailing byte", append(slices.Clone(base), 0), netA, issued, "malformed")
	add("malformed/longer than MaxSize", append(slices.Clone(base), make([]byte, MaxSize+1-len(base))...), netA, issued, "malformed")
	add("unknown version/2", signedEdit(base, func(m []byte) { m[0] = 2 }), netA, issued, "unknown version")
	add("unknown version/0 short", []byte{0}, netA, issued, "unknown version")
	add("malformed/count 0", signedEdit(two, func(m []byte) { m[offCount] = 0 }), netA, issued, "malformed")
	add("malformed/count 5", signedEdit(two, func(m []byte) { m[offCount] = 5 }), netA, issued, "malformed")
	add("malformed/count 255", signedEdit(two, func(m []byte) { m[offCount] = 255 }), netA, issued, "malformed")
	add("malformed/count 1 of 2", signedEdit(two, func(m []byte) { m[offCount] = 1 }), netA, issued, "malformed")
	add("malformed/address type 0", signedEdit(two, func(m []byte) { m[offAddrs] = 0 }), netA, issued, "malformed")
	add("malformed/address type 4", signedEdit(two, func(m []byte) { m[offAddrs] = 4 }), netA, issued, "malformed")
	add("malformed/addresses unsorted", signedEdit(two, func(m []byte) {
		a := slices.Clone(m[offAddrs : offAddrs+7])
		copy(m[offAddrs:], m[offAddrs+7:offAddrs+14])
		copy(m[offAddrs+7:], a)
	}), netA, issued, "malformed")
	add("malformed/addresses duplicate", signedEdit(two, func(m []byte) { copy(m[offAddrs+7:], m[offAddrs:offAddrs+7]) }), netA, issued, "malformed")
	add("malformed/port 0", signedEdit(two, func(m []byte) { m[offAddrs+5], m[offAddrs+6] = 0, 0 }), netA, issued, "malformed")
	add("malformed/foreign onion", signedEdit(base, func(m []byte) { m[offAddrs+1] ^= 1 }), netA, issued, "malformed")
	add("malformed/ipv4-mapped ipv6", mappedVector(t, keyA), netA, issued, "malformed")
	add("malformed/unknown role bit", signedEdit(base, func(m []byte) { m[offRoles] |= 16 }), netA, issued, "malformed")
	add("malformed/no roles", signedEdit(base, func(m []byte) { m[offRoles] = 0 }), netA, issued, "malformed")
	add("malformed/epoch mismatch", signedEdit(base, func(m []byte) { m[offEpoch+3]++ }), netA, issued, "malformed")
	add("malformed/lifetime over max", signedEdit(mustMarshal(t, long), func(m []byte) { m[offExpires+7]++ }), netA, issued, "malformed")
	add("malformed/expires before issued", signedEdit(base, func(m []byte) {
		binary.BigEndian.PutUint64(m[offExpires:], uint64(issued)-1)
	}), netA, issued, "malformed")
	add("malformed/zero node id", signedEdit(two, func(m []byte) { clear(m[offNode:offLink]) }), netA, issued, "malformed")
	add("malformed/zero link key", signedEdit(base, func(m []byte) { clear(m[offLink:offOnion]) }), netA, issued, "malformed")
	add("malformed/link key equals onion key", signedEdit(base, func(m []byte) { copy(m[offLink:], m[offOnion:offEpoch]) }), netA, issued, "malformed")
	// Node key = the identity point, signature R = identity, S = 0: that
	// signature verifies under crypto/ed25519 for every message.
	add("malformed/small-order node id with forged signature", edit(two, func(m []byte) []byte {
		clear(m[offNode:offLink])
		m[offNode] = 1
		sig := m[len(m)-SignatureSize:]
		clear(sig)
		sig[0] = 1
		return m
	}), netA, issued, "malformed")
	return vectorFile{
		Comment: "Peer record vectors (record/codec.go). Decode record, Verify for network at now (Unix seconds); expect the outcome. Regenerate only with: go test ./overlay/record -run TestVectors -update",
		Vectors: vs,
	}
}

// mappedVector is a record whose IPv6 address is IPv4-mapped (which the
// encoder never writes), re-signed.
func mappedVector(t testing.TB, key ed25519.PrivateKey) []byte {
	b := mustMarshal(t, signed(t, "a", tcp("[2001:db8::1]:7")))
	copy(b[offAddrs+1:], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1})
	return resign(b, key)
}

func TestVectors(t *testing.T) {
	want, err := json.MarshalIndent(generateVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(filepath.FromSlash(vectorsFile), want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.FromSlash(vectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the generator makes now; if the format change is intended, run with -update", vectorsFile)
	}
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) { checkVector(t, v) })
	}
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile(filepath.FromSlash(vectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}

func checkVector(t *testing.T, v vector) {
	b, err1 := hex.DecodeString(v.Record)
	net, err2 := hex.DecodeString(v.Network)
	if err1 != nil || err2 != nil || len(net) != 32 {
		t.Fatalf("bad vector encoding")
	}
	r, err := Unmarshal(b)
	if err != nil {
		if r != nil {
			t.Fatal("Unmarshal returned a record with an error")
		}
		if v.Expect != "malformed" && v.Expect != "unknown version" {
			t.Fatalf("Unmarshal: %v, want success then %q", err, v.Expect)
		}
	} else {
		if again := mustMarshal(t, r); !bytes.Equal(again, b) {
			t.Fatal("re-encoding differs from the vector")
		}
		err = r.Verify([32]byte(net), time.Unix(v.Now, 0))
	}
	if got := outcomeName(err); got != v.Expect {
		t.Fatalf("outcome %q (%v), want %q", got, err, v.Expect)
	}
}
