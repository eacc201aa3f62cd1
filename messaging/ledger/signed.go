package ledger

import (
	"crypto/ed25519"
	"fmt"
)

// Signer signs with an owner's one-time key: crypto/ed25519 keys
// (Ed25519Signer) and stealth spend keys both implement it.
type Signer interface {
	// Public returns the ed25519 public key the signatures verify under.
	Public() [KeySize]byte
	// Sign returns an ed25519 signature of msg.
	Sign(msg []byte) [SigSize]byte
}

// SignedOrder is an order with one owner signature per input, in input
// order: Sigs[i] is by the owner key of Inputs[i] over SpendMessage.
//
// Encoding: 0x02 | order | n_in × signature(64).
type SignedOrder struct {
	Order
	Sigs [][SigSize]byte
}

// SpendMessage is what an input's owner signs: spendDomain || net || d.
func SpendMessage(net NetworkID, d Digest) []byte {
	return signedMessage(spendDomain, net, d)
}

func signedMessage(domain string, net NetworkID, d Digest) []byte {
	m := make([]byte, 0, len(domain)+2*IDSize)
	m = append(m, domain...)
	m = append(m, net[:]...)
	return append(m, d[:]...)
}

// SignOrder signs o with signers[i] for o.Inputs[i]. It fails if o is
// not well formed or the counts differ; it does not check that the keys
// own the inputs (the validators do).
func SignOrder(net NetworkID, o *Order, signers []Signer) (*SignedOrder, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if len(signers) != len(o.Inputs) {
		return nil, fmt.Errorf("%w: one signer per input", ErrInvalidOrder)
	}
	msg := SpendMessage(net, o.Digest(net))
	so := &SignedOrder{Order: *o, Sigs: make([][SigSize]byte, len(signers))}
	for i, s := range signers {
		so.Sigs[i] = s.Sign(msg)
	}
	return so, nil
}

// VerifyOwners checks every signature of so against owners[i], the owner
// key of so.Inputs[i]; d must be so's digest on net.
func (so *SignedOrder) VerifyOwners(net NetworkID, d Digest, owners [][KeySize]byte) error {
	if len(owners) != len(so.Inputs) || len(so.Sigs) != len(so.Inputs) {
		return ErrBadSignature
	}
	msg := SpendMessage(net, d)
	for i := range owners {
		if !ed25519.Verify(owners[i][:], msg, so.Sigs[i][:]) {
			return ErrBadSignature
		}
	}
	return nil
}

// Check reports whether so is well formed.
func (so *SignedOrder) Check() error {
	if err := so.Order.Check(); err != nil {
		return err
	}
	if len(so.Sigs) != len(so.Inputs) {
		return fmt.Errorf("%w: one signature per input", ErrInvalidOrder)
	}
	return nil
}

// Marshal returns so's canonical encoding.
func (so *SignedOrder) Marshal() ([]byte, error) {
	if err := so.Check(); err != nil {
		return nil, err
	}
	return so.appendTo(make([]byte, 0, 1+so.size()+len(so.Sigs)*SigSize)), nil
}

func (so *SignedOrder) appendTo(b []byte) []byte {
	b = so.Order.appendTo(append(b, tagSignedOrder))
	for _, s := range so.Sigs {
		b = append(b, s[:]...)
	}
	return b
}

// UnmarshalSignedOrder decodes a signed order; it fails with an error
// wrapping ErrMalformed unless b is exactly a canonical encoding. It does
// not verify the signatures.
func UnmarshalSignedOrder(b []byte) (*SignedOrder, error) {
	if len(b) > MaxSignedOrderSize {
		return nil, fmt.Errorf("%w: too long", ErrMalformed)
	}
	r := &reader{b: b}
	so := r.signedOrder()
	if !r.done() {
		return nil, fmt.Errorf("%w: signed order", ErrMalformed)
	}
	if err := so.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return so, nil
}

func (r *reader) signedOrder() *SignedOrder {
	if r.byte1() != tagSignedOrder {
		r.bad = true
		return &SignedOrder{}
	}
	o := r.order()
	if r.bad || len(r.b) < len(o.Inputs)*SigSize {
		r.bad = true
		return &SignedOrder{}
	}
	so := &SignedOrder{Order: *o, Sigs: make([][SigSize]byte, len(o.Inputs))}
	for i := range so.Sigs {
		so.Sigs[i] = r.sig()
	}
	return so
}

// ed25519Signer adapts a crypto/ed25519 private key.
type ed25519Signer struct{ k ed25519.PrivateKey }

// Ed25519Signer returns a Signer for k.
func Ed25519Signer(k ed25519.PrivateKey) Signer { return ed25519Signer{k} }

func (s ed25519Signer) Public() [KeySize]byte { return [KeySize]byte(s.k.Public().(ed25519.PublicKey)) }

func (s ed25519Signer) Sign(msg []byte) [SigSize]byte {
	return [SigSize]byte(ed25519.Sign(s.k, msg))
}
