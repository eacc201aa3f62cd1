package record

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

// smallOrderKeys are the 14 encodings of small-order edwards25519 points
// (derived from the curve in package identity's tests).
func smallOrderKeys(t *testing.T) []identity.NodeID {
	var out []identity.NodeID
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, identity.NodeID(b))
		b[31] |= 0x80
		out = append(out, identity.NodeID(b))
	}
	return out
}

// forgedSig is R = the identity point, S = 0: under the identity point as
// public key it verifies for every message.
func forgedSig() [SignatureSize]byte { return [SignatureSize]byte{1} }

// Regression: a record naming a small-order node key used to decode and
// verify with a signature anyone can make.
func TestSmallOrderNodeRecordRefused(t *testing.T) {
	r, key := unsigned("a", tcp("127.0.0.1:9001"))
	if err := r.Sign(key, netA); err != nil {
		t.Fatal(err)
	}
	b := mustMarshal(t, r)
	copy(b[1:33], []byte{1}) // node key = identity point (01 00 ... 00)
	clear(b[2:33])
	sig := forgedSig()
	copy(b[len(b)-SignatureSize:], sig[:])
	got, err := Unmarshal(b)
	if err == nil {
		if got.Verify(netA, t0) == nil {
			t.Fatal("a record with a forged signature for a small-order node key verifies")
		}
		t.Fatal("a record naming a small-order node key decodes")
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Unmarshal = %v, want ErrMalformed", err)
	}
	for _, k := range smallOrderKeys(t) {
		r.NodeID, r.Signature = k, forgedSig()
		if err := r.Verify(netA, t0); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify with node key %x = %v, want ErrMalformed", k, err)
		}
		if _, err := r.Marshal(); !errors.Is(err, ErrMalformed) {
			t.Errorf("Marshal with node key %x = %v, want ErrMalformed", k, err)
		}
	}
}
