package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Order spends Inputs and creates Outputs, paying Fee (burned).
//
// Encoding (all integers big-endian):
//
//	0x01 | n_in(1) 1..16 | inputs n_in × 32, strictly ascending
//	     | n_out(1) 1..16 | outputs n_out × (owner 32 | amount 8 | tag 1 | R 32)
//	     | fee(8)
//
// Σ outputs + fee must not overflow a uint64. The inputs' amounts are not
// in the order: validators look them up.
type Order struct {
	Inputs  []CoinID
	Outputs []Output
	Fee     uint64
}

// Check reports whether o is well formed: counts in range, inputs
// strictly ascending (so distinct), outputs valid, Σ outputs + fee
// without overflow. It does not apply Params (see CheckParams).
func (o *Order) Check() error {
	if n := len(o.Inputs); n < 1 || n > MaxInputs {
		return fmt.Errorf("%w: input count", ErrInvalidOrder)
	}
	if n := len(o.Outputs); n < 1 || n > MaxOutputs {
		return fmt.Errorf("%w: output count", ErrInvalidOrder)
	}
	for i := 1; i < len(o.Inputs); i++ {
		if bytes.Compare(o.Inputs[i-1][:], o.Inputs[i][:]) >= 0 {
			return fmt.Errorf("%w: inputs not sorted and distinct", ErrInvalidOrder)
		}
	}
	for i := range o.Outputs {
		if err := o.Outputs[i].check(); err != nil {
			return err
		}
	}
	if _, ok := o.OutputTotal(); !ok {
		return fmt.Errorf("%w: amounts overflow", ErrInvalidOrder)
	}
	return nil
}

// OutputTotal returns Σ outputs + fee and false if it overflows.
func (o *Order) OutputTotal() (uint64, bool) {
	total := o.Fee
	for _, out := range o.Outputs {
		var ok bool
		if total, ok = add(total, out.Amount); !ok {
			return 0, false
		}
	}
	return total, true
}

// CheckParams applies the economic rules: fee and dust minimums.
func (o *Order) CheckParams(p Params) error {
	if o.Fee < p.MinFee {
		return ErrFeeTooLow
	}
	for _, out := range o.Outputs {
		if out.Amount < p.Dust {
			return ErrDust
		}
	}
	return nil
}

// Marshal returns o's canonical encoding; it fails if o is not well formed.
func (o *Order) Marshal() ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	return o.appendTo(make([]byte, 0, o.size())), nil
}

func (o *Order) size() int { return 3 + len(o.Inputs)*IDSize + len(o.Outputs)*outputSize + 8 }

// appendTo appends the encoding of o, which must be well formed.
func (o *Order) appendTo(b []byte) []byte {
	b = append(b, tagOrder, byte(len(o.Inputs)))
	for _, in := range o.Inputs {
		b = append(b, in[:]...)
	}
	b = append(b, byte(len(o.Outputs)))
	for i := range o.Outputs {
		b = o.Outputs[i].appendTo(b)
	}
	return binary.BigEndian.AppendUint64(b, o.Fee)
}

// UnmarshalOrder decodes an order; it fails with an error wrapping
// ErrMalformed unless b is exactly the encoding of a well-formed order.
func UnmarshalOrder(b []byte) (*Order, error) {
	r := &reader{b: b}
	o := r.order()
	if !r.done() {
		return nil, fmt.Errorf("%w: order", ErrMalformed)
	}
	if err := o.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return o, nil
}

// order reads an order, bounding both counts before allocating. The
// result is not checked (the caller runs Check); on a short or bad
// input it returns an empty order with r.bad set.
func (r *reader) order() *Order {
	if r.byte1() != tagOrder {
		r.bad = true
	}
	nIn := int(r.byte1())
	if r.bad || nIn < 1 || nIn > MaxInputs || len(r.b) < nIn*IDSize {
		r.bad = true
		return &Order{}
	}
	o := &Order{Inputs: make([]CoinID, nIn)}
	for i := range o.Inputs {
		o.Inputs[i] = r.id()
	}
	nOut := int(r.byte1())
	if r.bad || nOut < 1 || nOut > MaxOutputs || len(r.b) < nOut*outputSize {
		r.bad = true
		return &Order{}
	}
	o.Outputs = make([]Output, nOut)
	for i := range o.Outputs {
		o.Outputs[i] = r.output()
	}
	o.Fee = r.u64()
	return o
}

// Digest returns the order's digest on network net:
// SHA-256(orderDomain || net || encoding). o must be well formed.
func (o *Order) Digest(net NetworkID) Digest {
	h := sha256.New()
	h.Write([]byte(orderDomain))
	h.Write(net[:])
	h.Write(o.appendTo(make([]byte, 0, o.size())))
	return Digest(h.Sum(nil))
}

// OutputID is the ID of output i of the order with digest d.
func OutputID(d Digest, i int) CoinID {
	h := sha256.New()
	h.Write([]byte(outputDomain))
	h.Write(d[:])
	h.Write([]byte{byte(i)})
	return CoinID(h.Sum(nil))
}

// Coins returns the coins the order with digest d creates, in order.
func (o *Order) Coins(d Digest) []Coin {
	coins := make([]Coin, len(o.Outputs))
	for i, out := range o.Outputs {
		coins[i] = Coin{ID: OutputID(d, i), Output: out}
	}
	return coins
}
