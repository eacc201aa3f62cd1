package wire

import (
	"errors"
	"testing"
)

// Regression: a link certificate naming a small-order node key (here the
// identity point, under which R = identity, S = 0 verifies any message) is
// refused by the decoder whatever its signature, with either sign bit.
func TestParseLinkCertSmallOrderKey(t *testing.T) {
	var b [CertLen]byte
	b[0] = 1  // node key 01 00 ... 00
	b[32] = 1 // R = identity, S = 0
	for _, top := range []byte{0, 0x80} {
		b[31] = top
		if c, err := ParseLinkCert(b[:]); !errors.Is(err, ErrNodeKey) || c != (LinkCert{}) {
			t.Fatalf("small-order node key %x: %v", b[:32], err)
		}
		if p, err := ParseInitPayload(append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, b[:]...)); !errors.Is(err, ErrNodeKey) || p != (InitPayload{}) {
			t.Fatalf("init payload with a small-order node key: %v", err)
		}
		if p, err := ParseRespPayload(b[:]); !errors.Is(err, ErrNodeKey) || p != (RespPayload{}) {
			t.Fatalf("resp payload with a small-order node key: %v", err)
		}
	}
}
