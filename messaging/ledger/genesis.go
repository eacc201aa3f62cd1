package ledger

import (
	"encoding/binary"
	"fmt"
)

// The ledger's genesis: the bytes a network's genesis file carries for
// the ledger (overlay/genesis keeps them opaque, at most
// genesis.MaxLedgerSize bytes). Encoding, version 1:
//
//	tag        1   0x06
//	min_fee    8   Params.MinFee, big-endian
//	dust       8   Params.Dust, big-endian
//	count      2   1..MaxGenesisOutputs, big-endian
//	outputs    count × (owner(32) | amount(8) | view_tag(1) | R(32))
//
// Every output must be valid (ValidKey owner, amount ≥ 1, ≥ Dust) and the
// supply must fit a uint64. Output i becomes the coin GenesisCoinID(net,
// i) (GenesisCoins), with stealth index i.
const (
	tagGenesis = 0x06
	// MaxGenesisOutputs bounds the initial coins (the encoding stays under
	// 64 KiB).
	MaxGenesisOutputs = 800
	// MaxGenesisSize is the largest encoded LedgerGenesis.
	MaxGenesisSize = 1 + 8 + 8 + 2 + MaxGenesisOutputs*outputSize
)

// LedgerGenesis is the ledger's part of a network genesis: its economic
// parameters and its initial coins. A plain value.
type LedgerGenesis struct {
	Params  Params
	Outputs []Output
}

// Marshal returns g's encoding. It fails if g is not valid.
func (g *LedgerGenesis) Marshal() ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 19+len(g.Outputs)*outputSize)
	b = append(b, tagGenesis)
	b = binary.BigEndian.AppendUint64(b, g.Params.MinFee)
	b = binary.BigEndian.AppendUint64(b, g.Params.Dust)
	b = binary.BigEndian.AppendUint16(b, uint16(len(g.Outputs)))
	for i := range g.Outputs {
		b = g.Outputs[i].appendTo(b)
	}
	return b, nil
}

// check reports whether g is valid: 1..MaxGenesisOutputs valid outputs,
// none below the dust minimum, a supply that fits a uint64.
func (g *LedgerGenesis) check() error {
	if len(g.Outputs) < 1 || len(g.Outputs) > MaxGenesisOutputs {
		return fmt.Errorf("%w: genesis output count", ErrInvalidOrder)
	}
	var total uint64
	for i := range g.Outputs {
		o := &g.Outputs[i]
		if err := o.check(); err != nil {
			return err
		}
		if o.Amount < g.Params.Dust {
			return fmt.Errorf("%w: genesis output", ErrDust)
		}
		var ok bool
		if total, ok = add(total, o.Amount); !ok {
			return fmt.Errorf("%w: genesis supply overflows", ErrInvalidOrder)
		}
	}
	return nil
}

// UnmarshalLedgerGenesis decodes a ledger genesis; it fails with an error
// wrapping ErrMalformed unless b is the encoding of a valid one.
func UnmarshalLedgerGenesis(b []byte) (*LedgerGenesis, error) {
	if len(b) < 19 || len(b) > MaxGenesisSize || b[0] != tagGenesis {
		return nil, fmt.Errorf("%w: ledger genesis size or type", ErrMalformed)
	}
	n := int(binary.BigEndian.Uint16(b[17:19]))
	if n < 1 || n > MaxGenesisOutputs || len(b) != 19+n*outputSize {
		return nil, fmt.Errorf("%w: ledger genesis count", ErrMalformed)
	}
	r := &reader{b: b[1:]}
	g := &LedgerGenesis{Params: Params{MinFee: r.u64(), Dust: r.u64()}}
	r.take(2)
	g.Outputs = make([]Output, n)
	for i := range g.Outputs {
		g.Outputs[i] = r.output()
	}
	if !r.done() {
		return nil, fmt.Errorf("%w: ledger genesis", ErrMalformed)
	}
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return g, nil
}

// Coins returns the genesis coins of network net (GenesisCoins).
func (g *LedgerGenesis) Coins(net NetworkID) ([]Coin, error) {
	return GenesisCoins(net, g.Outputs)
}

// Supply is the total of the genesis outputs (g must be valid).
func (g *LedgerGenesis) Supply() uint64 {
	var total uint64
	for _, o := range g.Outputs {
		total += o.Amount
	}
	return total
}
