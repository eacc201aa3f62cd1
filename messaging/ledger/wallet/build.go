package wallet

import (
	"bytes"
	"io"
	"slices"

	"filippo.io/edwards25519"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// newScalar draws a uniform scalar (64 bytes reduced) from rand and
// returns its canonical encoding.
func newScalar(rand io.Reader) ([scalarSize]byte, error) {
	var buf [64]byte
	defer clear(buf[:])
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return [scalarSize]byte{}, err
	}
	s, _ := edwards25519.NewScalar().SetUniformBytes(buf[:])
	return [scalarSize]byte(s.Bytes()), nil
}

// ephemeral returns the stealth ephemeral whose secret is the canonical
// scalar r: NewEphemeral reduces 64 little-endian bytes, and r ‖ 0³² is
// r itself when r is canonical.
func ephemeral(r [scalarSize]byte) *stealth.Ephemeral {
	var buf [64]byte
	copy(buf[:], r[:])
	e, err := stealth.NewEphemeral(bytes.NewReader(buf[:]))
	clear(buf[:])
	if err != nil {
		panic("wallet: NewEphemeral failed on 64 available bytes")
	}
	return e
}

// output derives output index of a payment of amount to addr with the
// ephemeral secret r.
func output(r [scalarSize]byte, addr stealth.Address, index int, amount uint64) (ledger.Output, error) {
	e := ephemeral(r)
	defer e.Close()
	owner, tag, err := e.OneTime(addr, uint32(index))
	if err != nil {
		return ledger.Output{}, err
	}
	return ledger.Output{Owner: owner, Amount: amount, ViewTag: tag, R: e.R}, nil
}

// draft is an unsigned payment.
type draft struct {
	order    ledger.Order
	inputs   []*owned // in the order's (sorted) input order
	payIndex uint8
	r        [scalarSize]byte // the paying output's ephemeral secret
}

// buildOrder makes the order paying amount to `to` from inputs, with
// change (0 = none) back to self. Every output has its own fresh r, so
// revealing the paying output's r in a receipt says nothing about the
// change; the two outputs are in random order.
func buildOrder(rand io.Reader, self, to stealth.Address, amount, fee, change uint64, inputs []*owned) (*draft, error) {
	d := &draft{inputs: slices.Clone(inputs)}
	slices.SortFunc(d.inputs, func(a, b *owned) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	for _, c := range d.inputs {
		d.order.Inputs = append(d.order.Inputs, c.ID)
	}
	d.order.Fee = fee
	n := 1
	if change > 0 {
		n = 2
		var bit [1]byte
		if _, err := io.ReadFull(rand, bit[:]); err != nil {
			return nil, err
		}
		d.payIndex = bit[0] & 1
	}
	d.order.Outputs = make([]ledger.Output, n)
	for i := range n {
		r, err := newScalar(rand)
		if err != nil {
			return nil, err
		}
		addr, amt := self, change
		if i == int(d.payIndex) {
			addr, amt, d.r = to, amount, r
		}
		if d.order.Outputs[i], err = output(r, addr, i, amt); err != nil {
			return nil, err
		}
	}
	return d, d.order.Check()
}

// sign signs the draft with each input's derived spend key.
func (d *draft) sign(net ledger.NetworkID, keys *stealth.Keys) (*ledger.SignedOrder, error) {
	signers := make([]ledger.Signer, len(d.inputs))
	for i, c := range d.inputs {
		k, ok := keys.SpendKey(c.R, c.Index, c.Owner, c.ViewTag)
		if !ok {
			return nil, ErrCorruptRecord // a stored coin that is not ours
		}
		defer k.Close()
		signers[i] = k
	}
	return ledger.SignOrder(net, &d.order, signers)
}
