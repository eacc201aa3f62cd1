package link

import (
	"crypto/rand"
	"testing"

	"github.com/flynn/noise"
)

// Regression: every handshake used to copy the static private key (once
// for flynn/noise, once for the DH function's key lookup). Both now use
// bytes computed once per Config, so setting up a handshake with an
// identity allocates no more than an anonymous one, and looking the static
// key up allocates nothing.
func TestStaticKeyNotCopiedPerHandshake(t *testing.T) {
	p := mustPrepare(t, newNode(t).config())
	anon := mustPrepare(t, anonConfig())
	setup := func(p *prepared) func() {
		return func() { noiseConfig(p, noise.HandshakeIK, true, rand.Reader) }
	}
	withID, without := testing.AllocsPerRun(100, setup(p)), testing.AllocsPerRun(100, setup(anon))
	lookup := testing.AllocsPerRun(100, func() {
		c, dh := noiseConfig(p, noise.HandshakeIK, true, rand.Reader)
		if k, err := dh.key(c.StaticKeypair.Private); err != nil || k != p.linkKey {
			t.Fatal("static key not found")
		}
	})
	if withID != without || lookup != withID {
		t.Fatalf("allocations: setup %v with an identity, %v without; %v with a static key lookup", withID, without, lookup)
	}
}
