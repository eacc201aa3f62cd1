package relaycrypto

import (
	"math/rand/v2"
	"testing"
)

// TestTagging (R9, at the crypto layer): one random bit of a relay cell is
// flipped on the link into hop 1, 2 or 3 (as that hop receives a cell for
// it or beyond, or sends one towards the client), 10,000 trials per hop
// and direction. The modified cell must not be recognised by any hop
// after the flip, nor by the client: nobody acts on its plaintext, and the
// last hop (forward) or the client (backward) destroys the circuit. The
// cell-level test in onion/circuit checks the destroy itself.
func TestTagging(t *testing.T) {
	trials := 10000
	if testing.Short() {
		trials = 1000
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for at := range 3 {
		fwd, bwd := 0, 0
		for range trials {
			c := newCircuit(t, rng, 3)
			warmUp(t, c, rng)
			bit := rng.IntN(BodyLen * 8)
			flip := func(hop int, b *[BodyLen]byte) {
				if hop == at {
					b[bit/8] ^= 1 << (bit % 8)
				}
			}
			msg := randomMsg(rng)
			body := msg
			if hop, _, _ := c.sendForward(at+rng.IntN(3-at), &body, flip); hop >= 0 {
				fwd++
			}
			body = msg
			if hop, _, _ := c.sendBackward(at+rng.IntN(3-at), &body, flip); hop >= 0 {
				bwd++
			}
		}
		if fwd != 0 || bwd != 0 {
			t.Errorf("flip on the link into hop %d: %d forward and %d backward tampered cells recognised of %d each", at+1, fwd, bwd, trials)
		}
		t.Logf("R9 (crypto): flip into hop %d: 0 of %d forward and 0 of %d backward tampered cells recognised", at+1, trials, trials)
	}
}

// warmUp sends a few honest cells each way so the chained state is not
// the initial one.
func warmUp(t *testing.T, c *circuit, rng *rand.Rand) {
	for range rng.IntN(4) {
		msg := randomMsg(rng)
		if hop, _, _ := c.sendForward(rng.IntN(3), &msg, nil); hop < 0 {
			t.Fatal("honest forward cell lost")
		}
		msg = randomMsg(rng)
		if hop, _, _ := c.sendBackward(rng.IntN(3), &msg, nil); hop < 0 {
			t.Fatal("honest backward cell lost")
		}
	}
}

// After a modified cell, the hop's chain is broken for good: a later
// honest cell through the same layer is not recognised either, so a
// tagger cannot undo its mark (tor1's weakness).
func TestNoUndo(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	c := newCircuit(t, rng, 3)
	msg := randomMsg(rng)
	body := msg
	c.sendForward(2, &body, func(hop int, b *[BodyLen]byte) {
		if hop == 1 {
			b[100] ^= 0x80
		}
	})
	for i := range 10 {
		body = randomMsg(rng)
		if hop, _, _ := c.sendForward(2, &body, nil); hop >= 0 {
			t.Fatalf("honest cell %d after a modified one was recognised", i)
		}
	}
}
