package relaycrypto

import (
	"crypto/aes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// A second implementation of the construction, written from its
// definition with nothing shared with the package: GHASH bit by bit as in
// NIST SP 800-38D (algorithm 1), the GCM tag from it, counter mode block
// by block. TestAgainstReference checks the package against it (R4).

type refLayer struct {
	kb, kh, kp, ks []byte
	nonce, tprime  [16]byte
	cells          int
}

func newRefLayer(k []byte) *refLayer {
	l := &refLayer{kb: k[0:16], kh: k[16:32], kp: k[32:48], ks: k[48:64]}
	copy(l.nonce[:], k[64:80])
	return l
}

func aesEnc(key []byte, in [16]byte) (out [16]byte) {
	b, _ := aes.NewCipher(key)
	b.Encrypt(out[:], in[:])
	return out
}

func aesDec(key []byte, in [16]byte) (out [16]byte) {
	b, _ := aes.NewCipher(key)
	b.Decrypt(out[:], in[:])
	return out
}

// gfMul multiplies in GF(2^128) with GCM's bit order.
func gfMul(x, y [16]byte) (z [16]byte) {
	v := y
	for i := range 128 {
		if x[i/8]>>(7-i%8)&1 == 1 {
			for j := range 16 {
				z[j] ^= v[j]
			}
		}
		lsb := v[15] & 1
		for j := 15; j > 0; j-- {
			v[j] = v[j]>>1 | v[j-1]<<7
		}
		v[0] >>= 1
		if lsb == 1 {
			v[0] ^= 0xe1
		}
	}
	return z
}

// gcmTag is AES-GCM's tag for empty plaintext, additional data a, and the
// all-zero 96-bit nonce.
func gcmTag(key, a []byte) [16]byte {
	h := aesEnc(key, [16]byte{})
	var y [16]byte
	block := func(b []byte) {
		var x [16]byte
		copy(x[:], b)
		for i := range 16 {
			y[i] ^= x[i]
		}
		y = gfMul(y, h)
	}
	for i := 0; i < len(a); i += 16 {
		block(a[i:min(i+16, len(a))])
	}
	var lens [16]byte
	binary.BigEndian.PutUint64(lens[:8], uint64(len(a))*8)
	block(lens[:])
	var j0 [16]byte
	j0[15] = 1
	mask := aesEnc(key, j0)
	for i := range 16 {
		y[i] ^= mask[i]
	}
	return y
}

// keystream is AES-CTR under ks on the blocks p[:12] || ctr for ctr = 2,
// 3, … (GCM's counter blocks for its plaintext), p = E_kp(x) with the low
// bit of p[11] set to domain.
func (l *refLayer) keystream(x [16]byte, domain byte, n int) []byte {
	p := aesEnc(l.kp, x)
	p[11] = p[11]&0xFE | domain
	out := make([]byte, 0, n+16)
	for ctr := uint32(2); len(out) < n; ctr++ {
		var blk [16]byte
		copy(blk[:12], p[:12])
		binary.BigEndian.PutUint32(blk[12:], ctr)
		ks := aesEnc(l.ks, blk)
		out = append(out, ks[:]...)
	}
	return out[:n]
}

func (l *refLayer) mask(cmd byte, xr []byte) [16]byte {
	tw := append(append(append([]byte{}, l.tprime[:]...), cmd), xr...)
	return gcmTag(l.kh, tw)
}

func xor16(a, b [16]byte) (c [16]byte) {
	for i := range 16 {
		c[i] = a[i] ^ b[i]
	}
	return c
}

func (l *refLayer) enc(cmd byte, body []byte) {
	var xl [16]byte
	copy(xl[:], body[:16])
	m := l.mask(cmd, body[16:])
	xl = xor16(aesEnc(l.kb, xor16(xl, m)), m)
	copy(body[:16], xl[:])
	ks := l.keystream(xl, 0, len(body)-16)
	for i := range ks {
		body[16+i] ^= ks[i]
	}
}

// accept sets the nonce to t and updates the keys every 64th time.
func (l *refLayer) accept(t [16]byte) {
	l.nonce = t
	l.cells++
	if l.cells == 64 {
		l.update()
	}
}

func (l *refLayer) dec(cmd byte, body []byte) {
	var xl [16]byte
	copy(xl[:], body[:16])
	ks := l.keystream(xl, 0, len(body)-16)
	for i := range ks {
		body[16+i] ^= ks[i]
	}
	m := l.mask(cmd, body[16:])
	xl = xor16(aesDec(l.kb, xor16(xl, m)), m)
	copy(body[:16], xl[:])
}

func (l *refLayer) update() {
	k := l.keystream(l.nonce, 1, 80)
	tprime := l.tprime // the chain survives the rekey
	*l = *newRefLayer(k)
	l.tprime = tprime // and the count restarts at 0
}

// refRelayForward is the relay's forward operation by definition.
func (l *refLayer) relayForward(cmd byte, body []byte) bool {
	in := [16]byte(body[:16])
	l.enc(cmd, body)
	copy(l.tprime[:], body[:16])
	if [16]byte(body[:16]) == l.nonce {
		l.accept(in)
		return true
	}
	return false
}

func (l *refLayer) clientForward(cmd byte, body []byte) {
	next := [16]byte(body[:16])
	l.dec(cmd, body)
	l.tprime = next
}

func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	keys := make([]byte, HopKeyLen)
	for i := range keys {
		keys[i] = byte(rng.Uint32())
	}
	relay, err := NewRelay(keys)
	if err != nil {
		t.Fatal(err)
	}
	var client Client
	if err := client.AddHop(keys); err != nil {
		t.Fatal(err)
	}
	refRelay, refClient := newRefLayer(keys[:KeyLen]), newRefLayer(keys[:KeyLen])
	for i := range 200 {
		msg := randomMsg(rng)
		cmd := byte(3 + i%2)
		// The client's origination, both ways.
		got, want := msg, msg
		client.Originate(0, cmd, &got)
		copy(want[:16], refClient.nonce[:])
		refClient.clientForward(cmd, want[:])
		refClient.accept([16]byte(want[:16]))
		if got != want {
			t.Fatalf("cell %d: client Originate differs from the reference", i)
		}
		// The relay's encryption of that body, both ways.
		wire := got
		_, ok := relay.Forward(cmd, &got)
		if !ok || !refRelay.relayForward(cmd, wire[:]) || got != wire {
			t.Fatalf("cell %d: relay Forward differs from the reference", i)
		}
		if [BodyLen - TagLen]byte(got[TagLen:]) != [BodyLen - TagLen]byte(msg[TagLen:]) {
			t.Fatalf("cell %d: message not recovered", i)
		}
	}
}
