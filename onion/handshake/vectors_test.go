package handshake

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

const vectorsFile = "testdata/vectors.json"

// vector is one known-answer test. The relay holds OnionPrivate for Epoch
// on Network, its clock reads ServerTime, its Floor is an hour earlier and
// its Rand yields ServerRand (32 bytes of cache salt, then 32 bytes of
// ephemeral key). Respond(ClientMsg, KeyLen) must give Expect. For "ok"
// vectors, NewClient(Network, public(OnionPrivate), Epoch, ClientTime,
// ClientRand) must give ClientMsg, Respond must give ServerMsg, Keys and
// Binding, and the client's Finish(ServerMsg, KeyLen) the same Keys and
// Binding.
type vector struct {
	Name         string `json:"name"`
	Network      string `json:"network"`
	Epoch        uint32 `json:"epoch"`
	OnionPrivate string `json:"onion_private"`
	ClientRand   string `json:"client_rand,omitempty"`
	ClientTime   int64  `json:"client_time,omitempty"`
	ServerRand   string `json:"server_rand"`
	ServerTime   int64  `json:"server_time"`
	KeyLen       int    `json:"key_len"`
	ClientMsg    string `json:"client_msg"`
	ServerMsg    string `json:"server_msg,omitempty"`
	Keys         string `json:"keys,omitempty"`
	Binding      string `json:"binding,omitempty"`
	Expect       string `json:"expect"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

var outcomes = map[string]error{
	"ok": nil, "malformed": ErrMalformed, "unknown key": ErrUnknownKey,
	"decrypt": ErrDecrypt, "stale": ErrStale,
}

func outcomeName(err error) string {
	for name, e := range outcomes {
		if e == err {
			return name
		}
	}
	return "unexpected: " + err.Error()
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randHex(label string, n int) string {
	b := make([]byte, n)
	newDRBG(label).Read(b)
	return hex.EncodeToString(b)
}

// vectorServer is the relay a vector describes.
func vectorServer(t testing.TB, v vector) *Server {
	t.Helper()
	k, err := ecdh.X25519().NewPrivateKey(unhex(t, v.OnionPrivate))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(v.ServerTime, 0)
	return mustServer(t, ServerConfig{
		NetworkID: [32]byte(unhex(t, v.Network)),
		Keys:      keyring{v.Epoch: k}.lookup,
		Now:       func() time.Time { return now },
		Rand:      bytes.NewReader(unhex(t, v.ServerRand)),
		Floor:     now.Add(-time.Hour),
	})
}

// runVector runs v through this package and fills in its outputs.
func runVector(t testing.TB, v vector) vector {
	t.Helper()
	if v.ClientRand != "" {
		k := unhex(t, v.OnionPrivate)
		priv, _ := ecdh.X25519().NewPrivateKey(k)
		c, msg, err := NewClient([32]byte(unhex(t, v.Network)), pub(priv), v.Epoch, time.Unix(v.ClientTime, 0), bytes.NewReader(unhex(t, v.ClientRand)))
		if err != nil {
			t.Fatal(err)
		}
		v.ClientMsg = hex.EncodeToString(msg)
		defer func() {
			if v.Expect != "ok" {
				return
			}
			keys, b, err := c.Finish(unhex(t, v.ServerMsg), v.KeyLen)
			if err != nil || hex.EncodeToString(keys) != v.Keys || hex.EncodeToString(b[:]) != v.Binding {
				t.Errorf("%s: client Finish disagrees with the relay (%v)", v.Name, err)
			}
		}()
	}
	reply, keys, b, err := vectorServer(t, v).Respond(unhex(t, v.ClientMsg), v.KeyLen)
	v.Expect = outcomeName(err)
	v.ServerMsg, v.Keys, v.Binding = "", "", ""
	if err == nil {
		v.ServerMsg, v.Keys, v.Binding = hex.EncodeToString(reply), hex.EncodeToString(keys), hex.EncodeToString(b[:])
	}
	return v
}

func generateVectors(t testing.TB) vectorFile {
	base := vector{
		Name: "ok/current-epoch", Network: hex.EncodeToString(testNet[:]), Epoch: 2901,
		OnionPrivate: randHex("vector onion 2901", 32), ClientRand: randHex("vector client 1", 32),
		ClientTime: t0.Unix(), ServerRand: randHex("vector server 1", 64), ServerTime: t0.Unix(), KeyLen: keyLen,
	}
	prev := base
	prev.Name, prev.Network, prev.Epoch, prev.KeyLen = "ok/previous-epoch-other-network", hex.EncodeToString(otherNet[:]), 2900, 32
	prev.OnionPrivate, prev.ClientRand, prev.ServerRand = randHex("vector onion 2900", 32), randHex("vector client 2", 32), randHex("vector server 2", 64)
	skew := base
	skew.Name, skew.ClientTime, skew.KeyLen = "ok/client-clock-299s-behind-keylen-1024", t0.Unix()-299, MaxKeyLen
	skew.ClientRand, skew.ServerRand = randHex("vector client 3", 32), randHex("vector server 3", 64)
	out := []vector{runVector(t, base), runVector(t, prev), runVector(t, skew)}

	msg := unhex(t, out[0].ClientMsg)
	neg := func(name string, m []byte, f func(*vector)) {
		v := base
		v.Name, v.ClientRand, v.ClientTime, v.ClientMsg = name, "", 0, hex.EncodeToString(m)
		if f != nil {
			f(&v)
		}
		out = append(out, runVector(t, v))
	}
	neg("decrypt/flipped-tag-bit", flip(msg, ClientMsgLen-1, 0), nil)
	neg("decrypt/flipped-ephemeral-bit", flip(msg, offEph, 0), nil)
	neg("decrypt/zero-ephemeral", append(append(bytes.Clone(msg[:offEph]), make([]byte, 32)...), msg[offSealed:]...), nil)
	neg("decrypt/other-network", msg, func(v *vector) { v.Network = hex.EncodeToString(otherNet[:]) })
	neg("unknown key/other-epoch", flip(msg, 3, 1), nil)
	neg("malformed/truncated", msg[:ClientMsgLen-1], nil)
	neg("malformed/one-byte-long", append(bytes.Clone(msg), 0), nil)
	neg("stale/server-clock-301s-ahead", msg, func(v *vector) { v.ServerTime += 301 })
	return vectorFile{
		Comment: "Circuit handshake vectors (onion/handshake, Noise_NK_25519_AESGCM_SHA256; see vectors_test.go for the procedure). Regenerate only with: go test ./onion/handshake -run TestVectors -update",
		Vectors: out,
	}
}

func TestVectors(t *testing.T) {
	gen := generateVectors(t)
	if *update {
		b, err := json.MarshalIndent(gen, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := loadVectors(t)
	if len(file.Vectors) != len(gen.Vectors) {
		t.Fatalf("%d vectors in file, %d generated", len(file.Vectors), len(gen.Vectors))
	}
	for i, v := range file.Vectors {
		if got := runVector(t, v); got != v {
			t.Errorf("vector %s: got\n%+v\nwant\n%+v", v.Name, got, v)
		}
		if gen.Vectors[i] != v {
			t.Errorf("vector %s differs from the generator", v.Name)
		}
	}
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
