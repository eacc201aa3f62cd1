package ledger

import (
	"crypto/ed25519"
	"fmt"
	"slices"
)

// CertVote is one vote inside a certificate (its digest is the
// certificate's order's).
type CertVote struct {
	Validator uint8
	Sig       [SigSize]byte
}

// Certificate is an order with at least a quorum of distinct valid votes
// for it: final the moment it exists. Owner signatures are not part of
// it: the q votes attest that at least f+1 honest validators checked them.
//
// Encoding: 0x05 | order | n_votes(1) 1..64 | n_votes × (validator(1) |
// signature(64)), strictly ascending by validator.
type Certificate struct {
	Order Order
	Votes []CertVote
}

// Check reports whether c is well formed (not whether it verifies).
func (c *Certificate) Check() error {
	if err := c.Order.Check(); err != nil {
		return err
	}
	if len(c.Votes) < 1 || len(c.Votes) > MaxValidators {
		return fmt.Errorf("%w: vote count", ErrBadCert)
	}
	for i, v := range c.Votes {
		if int(v.Validator) >= MaxValidators || (i > 0 && c.Votes[i-1].Validator >= v.Validator) {
			return fmt.Errorf("%w: votes not ascending by validator", ErrBadCert)
		}
	}
	return nil
}

// Marshal returns c's canonical encoding.
func (c *Certificate) Marshal() ([]byte, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+c.Order.size()+len(c.Votes)*(1+SigSize))
	b = c.Order.appendTo(append(b, tagCertificate))
	b = append(b, byte(len(c.Votes)))
	for _, v := range c.Votes {
		b = append(append(b, v.Validator), v.Sig[:]...)
	}
	return b, nil
}

// UnmarshalCertificate decodes a certificate; it fails with an error
// wrapping ErrMalformed unless b is exactly a canonical encoding. It does
// not verify the votes (VerifyCertificate does).
func UnmarshalCertificate(b []byte) (*Certificate, error) {
	if len(b) > MaxCertificateSize {
		return nil, fmt.Errorf("%w: too long", ErrMalformed)
	}
	r := &reader{b: b}
	if r.byte1() != tagCertificate {
		return nil, fmt.Errorf("%w: certificate", ErrMalformed)
	}
	o := r.order()
	n := int(r.byte1())
	if r.bad || n < 1 || n > MaxValidators || len(r.b) != n*(1+SigSize) {
		return nil, fmt.Errorf("%w: certificate", ErrMalformed)
	}
	c := &Certificate{Order: *o, Votes: make([]CertVote, n)}
	for i := range c.Votes {
		c.Votes[i] = CertVote{Validator: r.byte1(), Sig: r.sig()}
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return c, nil
}

// VerifyCertificate checks, offline, that cert is final on network net
// under committee com: well formed, at least Quorum votes, from distinct
// members, every one of them valid for the order's digest. It needs only
// the pinned committee keys: wallets and third parties run it on
// receipts.
func VerifyCertificate(com *Committee, net NetworkID, cert *Certificate) error {
	if err := cert.Check(); err != nil {
		return err
	}
	if len(cert.Votes) < com.Quorum() {
		return fmt.Errorf("%w: fewer votes than a quorum", ErrBadCert)
	}
	msg := VoteMessage(net, cert.Order.Digest(net))
	for _, v := range cert.Votes { // distinct: Check ensures ascending
		if int(v.Validator) >= com.N() {
			return fmt.Errorf("%w: unknown validator", ErrBadCert)
		}
		k := com.keys[v.Validator]
		if !ed25519.Verify(k[:], msg, v.Sig[:]) {
			return fmt.Errorf("%w: bad vote signature", ErrBadCert)
		}
	}
	return nil
}

// AssembleCertificate builds a certificate for o from votes: it keeps the
// valid votes of distinct committee members for o's digest (ignoring the
// rest), stopping at a quorum (a certificate needs no more, and each
// extra vote costs every verifier a signature check); it fails with
// ErrBadCert if fewer than a quorum are valid.
func AssembleCertificate(com *Committee, net NetworkID, o *Order, votes []*Vote) (*Certificate, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	d := o.Digest(net)
	seen := make(map[uint8]bool)
	cert := &Certificate{Order: *o}
	for _, v := range votes {
		if len(cert.Votes) == com.Quorum() {
			break
		}
		if v == nil || v.Digest != d || seen[v.Validator] || com.VerifyVote(net, v) != nil {
			continue
		}
		seen[v.Validator] = true
		cert.Votes = append(cert.Votes, CertVote{Validator: v.Validator, Sig: v.Sig})
	}
	if len(cert.Votes) < com.Quorum() {
		return nil, fmt.Errorf("%w: fewer valid votes than a quorum", ErrBadCert)
	}
	slices.SortFunc(cert.Votes, func(a, b CertVote) int { return int(a.Validator) - int(b.Validator) })
	return cert, nil
}
