package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
)

// NetworkID identifies a network (the hash of its canonical genesis).
type NetworkID [IDSize]byte

// CoinID names a coin. Genesis coins have GenesisCoinID, every other coin
// OutputID of the order that created it, so IDs never repeat.
type CoinID [IDSize]byte

// Digest is an order's digest: what owners and validators sign.
type Digest [IDSize]byte

// LogValue redacts a coin ID in logs to a short prefix.
func (id CoinID) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%x…", id[:4])) }

// LogValue redacts a digest in logs to a short prefix.
func (d Digest) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%x…", d[:4])) }

// Output is a coin to be created: everything but its ID.
type Output struct {
	// Owner is the coin's one-time ed25519 public key (ValidKey).
	Owner [KeySize]byte
	// Amount is at least 1 (and at least Params.Dust when voted on).
	Amount uint64
	// ViewTag and R let the recipient find the coin (package stealth);
	// the ledger carries them opaquely.
	ViewTag byte
	R       [KeySize]byte
}

// Coin is an output with its ID.
type Coin struct {
	ID CoinID
	Output
}

// GenesisCoinID is the ID of the i-th genesis coin of network net.
func GenesisCoinID(net NetworkID, i int) CoinID {
	h := sha256.New()
	h.Write([]byte(genesisDomain))
	h.Write(net[:])
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
	return CoinID(h.Sum(nil))
}

// GenesisCoins gives outs their genesis IDs. It fails if an output is
// invalid or the total supply overflows a uint64.
func GenesisCoins(net NetworkID, outs []Output) ([]Coin, error) {
	coins := make([]Coin, len(outs))
	var total uint64
	for i, o := range outs {
		if err := o.check(); err != nil {
			return nil, err
		}
		var ok bool
		if total, ok = add(total, o.Amount); !ok {
			return nil, fmt.Errorf("%w: genesis supply overflows", ErrInvalidOrder)
		}
		coins[i] = Coin{ID: GenesisCoinID(net, i), Output: o}
	}
	return coins, nil
}

// check reports whether o is well formed (key valid, amount > 0).
func (o *Output) check() error {
	if o.Amount == 0 {
		return fmt.Errorf("%w: zero amount", ErrInvalidOrder)
	}
	if !ValidKey(o.Owner) {
		return fmt.Errorf("%w: owner key", ErrInvalidOrder)
	}
	return nil
}

func (o *Output) appendTo(b []byte) []byte {
	b = append(b, o.Owner[:]...)
	b = binary.BigEndian.AppendUint64(b, o.Amount)
	b = append(b, o.ViewTag)
	return append(b, o.R[:]...)
}

func (r *reader) output() (o Output) {
	o.Owner = r.id()
	o.Amount = r.u64()
	o.ViewTag = r.byte1()
	o.R = r.id()
	return o
}

// Marshal returns c's encoding: 0xC1 | id | owner | amount | view tag | R.
func (c *Coin) Marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, CoinSize)
	b = append(b, tagCoin)
	b = append(b, c.ID[:]...)
	return c.appendTo(b), nil
}

// UnmarshalCoin decodes a coin; it fails with an error wrapping
// ErrMalformed unless b is the canonical encoding of a valid coin.
func UnmarshalCoin(b []byte) (*Coin, error) {
	if len(b) != CoinSize || b[0] != tagCoin {
		return nil, fmt.Errorf("%w: coin size or type", ErrMalformed)
	}
	r := &reader{b: b[1:]}
	c := &Coin{ID: r.id(), Output: r.output()}
	if !r.done() {
		return nil, fmt.Errorf("%w: coin", ErrMalformed)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return c, nil
}

// add returns a+b and whether it did not overflow.
func add(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s >= a
}
