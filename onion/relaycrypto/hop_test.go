package relaycrypto

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

const cmdRelay = 3

// circuit is a client and its relays keyed alike, as after the handshakes.
type circuit struct {
	client *Client
	relays []*Relay
}

func newCircuit(t testing.TB, rng *rand.Rand, hops int) *circuit {
	t.Helper()
	c := &circuit{client: new(Client)}
	for range hops {
		keys := make([]byte, HopKeyLen)
		for i := range keys {
			keys[i] = byte(rng.Uint32())
		}
		r, err := NewRelay(keys)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.client.AddHop(keys); err != nil {
			t.Fatal(err)
		}
		c.relays = append(c.relays, r)
	}
	return c
}

func randomMsg(rng *rand.Rand) [BodyLen]byte {
	var b [BodyLen]byte
	for i := TagLen; i < BodyLen; i++ {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// sendForward carries a cell from the client to hop target, applying
// tamper (if not nil) to the cell as each relay receives it. It returns
// the hop that recognised the cell (-1 if none did) and the tags of both
// ends.
func (c *circuit) sendForward(target int, body *[BodyLen]byte, tamper func(hop int, b *[BodyLen]byte)) (int, Tag, Tag) {
	sent := c.client.Originate(target, cmdRelay, body)
	for i, r := range c.relays {
		if tamper != nil {
			tamper(i, body)
		}
		if tag, ok := r.Forward(cmdRelay, body); ok {
			return i, sent, tag
		}
	}
	return -1, sent, Tag{}
}

// sendBackward carries a cell from hop origin to the client, applying
// tamper to the cell as each relay sends it towards the client.
func (c *circuit) sendBackward(origin int, body *[BodyLen]byte, tamper func(hop int, b *[BodyLen]byte)) (int, Tag, Tag) {
	sent := c.relays[origin].Originate(cmdRelay, body)
	if tamper != nil {
		tamper(origin, body)
	}
	for i := origin - 1; i >= 0; i-- {
		c.relays[i].Backward(cmdRelay, body)
		if tamper != nil {
			tamper(i, body)
		}
	}
	hop, tag, ok := c.client.Backward(cmdRelay, body)
	if !ok {
		return -1, sent, Tag{}
	}
	return hop, sent, tag
}

// Every cell reaches exactly the hop it was meant for, with its message
// intact and the same SENDME tag at both ends, in both directions, over
// a long interleaved sequence (the chained tags and key updates stay in
// step).
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := newCircuit(t, rng, 3)
	for i := range 3000 {
		hop := rng.IntN(3)
		msg := randomMsg(rng)
		body := msg
		var got int
		var sent, recv Tag
		if i%2 == 0 {
			got, sent, recv = c.sendForward(hop, &body, nil)
		} else {
			got, sent, recv = c.sendBackward(hop, &body, nil)
		}
		if got != hop {
			t.Fatalf("cell %d for hop %d recognised by %d", i, hop, got)
		}
		if !bytes.Equal(body[TagLen:], msg[TagLen:]) {
			t.Fatalf("cell %d: message changed", i)
		}
		if sent != recv {
			t.Fatalf("cell %d: SENDME tags differ", i)
		}
	}
}

// Bodies on the wire never repeat the plaintext and differ between two
// sends of the same message (the chained tags and per-cell keys).
func TestCiphertextsDiffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := newCircuit(t, rng, 3)
	msg := randomMsg(rng)
	a, b := msg, msg
	c.client.Originate(2, cmdRelay, &a)
	c.client.Originate(2, cmdRelay, &b)
	if a == b || bytes.Equal(a[TagLen:], msg[TagLen:]) {
		t.Fatal("repeated or plaintext body on the wire")
	}
}

// The cell command is in every layer's tweak: a relay that turns a
// RELAY_EARLY into a RELAY (or back) breaks the cell.
func TestCommandBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := newCircuit(t, rng, 2)
	msg := randomMsg(rng)
	body := msg
	c.client.Originate(1, 4, &body)
	if _, ok := c.relays[0].Forward(4, &body); ok {
		t.Fatal("hop 0 recognised a cell for hop 1")
	}
	if _, ok := c.relays[1].Forward(cmdRelay, &body); ok {
		t.Fatal("a cell whose command was changed was recognised")
	}
}

func TestKeyLength(t *testing.T) {
	for _, n := range []int{0, HopKeyLen - 1, HopKeyLen + 1, KeyLen} {
		if _, err := NewRelay(make([]byte, n)); err != ErrKeyLen {
			t.Errorf("NewRelay(%d bytes): %v", n, err)
		}
		if err := new(Client).AddHop(make([]byte, n)); err != ErrKeyLen {
			t.Errorf("AddHop(%d bytes): %v", n, err)
		}
	}
}
