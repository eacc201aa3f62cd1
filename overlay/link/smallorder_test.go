package link

import (
	"errors"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/link/wire"
)

// forgedSmallOrderCert names the identity point as node key and carries
// the signature R = identity, S = 0, which crypto/ed25519 accepts for
// every message under that key.
func forgedSmallOrderCert() wire.LinkCert {
	var c wire.LinkCert
	c.Node[0] = 1
	c.Sig[0] = 1
	return c
}

// Regression: an initiator presenting forgedSmallOrderCert used to be
// accepted as that node (the responder even sent message 2).
func TestForgedSmallOrderCertRefused(t *testing.T) {
	e := newNegEnv(t)
	c := forgedSmallOrderCert()
	l, err, closed := e.acceptUnder(t, stall(e.ik1(t, initPayloadCert(c, uint64(time.Now().UnixNano())))))
	if l != nil {
		t.Fatalf("link established with forged identity %x", l.Peer().NodeID)
	}
	if !errors.Is(err, wire.ErrNodeKey) || !closed {
		t.Fatalf("err %v, closed %v", err, closed)
	}
	// The certificate check itself refuses it too, whatever decoded it.
	if _, err := verifyCert(nil, &c, testNet, e.client.linkKey.PublicKey().Bytes()); !errors.Is(err, ErrBadCert) {
		t.Fatalf("verifyCert of the forged cert: %v", err)
	}
}
