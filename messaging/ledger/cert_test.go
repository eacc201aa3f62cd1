package ledger_test

import (
	"errors"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// certified returns a world and a certificate with exactly q votes.
func certified(t *testing.T, n int) (*world, *ledger.SignedOrder, *ledger.Certificate) {
	w := newWorld(t, n, 100)
	so := w.order([]ledger.CoinID{w.coin(0)}, 1, 99)
	q := w.com.Quorum()
	cert, err := ledger.AssembleCertificate(w.com, w.net, &so.Order, w.votes(so, all(q)...))
	if err != nil {
		t.Fatal(err)
	}
	return w, so, cert
}

func TestForgedCertificates(t *testing.T) {
	for _, n := range []int{4, 7} {
		w, so, good := certified(t, n)
		d := so.Digest(w.net)
		other := w.order([]ledger.CoinID{w.coin(0)}, 2, 98)
		cases := map[string]func(c *ledger.Certificate){
			"unknown signer index": func(c *ledger.Certificate) {
				c.Votes[len(c.Votes)-1].Validator = uint8(n)
			},
			"signer outside the committee": func(c *ledger.Certificate) {
				c.Votes[0].Sig = [64]byte(ledger.Ed25519Signer(key("validator", 99)).Sign(ledger.VoteMessage(w.net, d)))
			},
			"duplicate signer": func(c *ledger.Certificate) { c.Votes[1] = c.Votes[0] },
			"q-1 votes":        func(c *ledger.Certificate) { c.Votes = c.Votes[1:] },
			"unsorted votes":   func(c *ledger.Certificate) { c.Votes[0], c.Votes[1] = c.Votes[1], c.Votes[0] },
			"wrong digest":     func(c *ledger.Certificate) { c.Order = other.Order },
			"wrong network": func(c *ledger.Certificate) {
				for i := range c.Votes {
					c.Votes[i].Sig = [64]byte(ledger.SignVote(netB, c.Order.Digest(netB), c.Votes[i].Validator, w.keys[c.Votes[i].Validator]).Sig)
				}
			},
			"owner's signature instead of a vote": func(c *ledger.Certificate) { c.Votes[0].Sig = so.Sigs[0] },
		}
		if err := ledger.VerifyCertificate(w.com, w.net, good); err != nil {
			t.Fatal(err)
		}
		for name, mutate := range cases {
			c := *good
			c.Votes = append([]ledger.CertVote(nil), good.Votes...)
			mutate(&c)
			if err := ledger.VerifyCertificate(w.com, w.net, &c); !errors.Is(err, ledger.ErrBadCert) {
				t.Errorf("n=%d %s: %v", n, name, err)
			}
			if err := w.vals[n-1].HandleCertificate(&c); err == nil {
				t.Errorf("n=%d %s: applied", n, name)
			}
			if b, err := c.Marshal(); err == nil {
				if dc, err := ledger.UnmarshalCertificate(b); err == nil && ledger.VerifyCertificate(w.com, w.net, dc) == nil {
					t.Errorf("n=%d %s: survives a round trip as valid", n, name)
				}
			}
		}
		if w.state(n-1, w.coin(0)) != ledger.StateUnspent {
			t.Fatal("a forged certificate changed state")
		}
		if err := ledger.VerifyCertificate(committeeOf(t, "other committee", n), w.net, good); err == nil {
			t.Error("certificate verifies under another committee")
		}
	}
}

func committeeOf(t testing.TB, label string, n int) *ledger.Committee {
	var keys [][ledger.KeySize]byte
	for i := range n {
		keys = append(keys, pub(key(label, i)))
	}
	c, err := ledger.NewCommittee(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAssembleIgnoresBadVotes(t *testing.T) {
	w := newWorld(t, 4, 100)
	so := w.order([]ledger.CoinID{w.coin(0)}, 1, 99)
	other := w.order([]ledger.CoinID{w.coin(0)}, 2, 98)
	vs := w.votes(so, 0, 1)
	bad := *vs[0]
	bad.Sig[0] ^= 1
	stray := w.byzVote(2, other)
	if _, err := ledger.AssembleCertificate(w.com, w.net, &so.Order, append(vs, &bad, vs[1], stray, nil)); !errors.Is(err, ledger.ErrBadCert) {
		t.Fatalf("two good votes, a bad one, a duplicate, a stray: %v", err)
	}
	cert, err := ledger.AssembleCertificate(w.com, w.net, &so.Order, append(w.votes(so, 3), vs...))
	if err != nil || len(cert.Votes) != 3 || cert.Votes[0].Validator != 0 || cert.Votes[2].Validator != 3 {
		t.Fatalf("assembled %v", err)
	}
}

func TestCommitteeRejects(t *testing.T) {
	k := pub(key("v", 0))
	var smallOrder [32]byte
	smallOrder[0] = 1 // the identity point
	nonCanonical := [32]byte{0xED, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F} // y = p: a valid point (y ≡ 0), non-canonically encoded
	for name, keys := range map[string][][32]byte{
		"empty": nil, "duplicate": {k, k}, "small order": {k, smallOrder}, "non-canonical": {nonCanonical},
		"too many": make([][32]byte, ledger.MaxValidators+1),
	} {
		if _, err := ledger.NewCommittee(keys); !errors.Is(err, ledger.ErrBadCommittee) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
