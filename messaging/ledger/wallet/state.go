package wallet

import (
	"slices"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
)

// CoinState is a coin's state as the wallet sees it.
type CoinState uint8

// Coin states.
const (
	// Spendable: created by a genesis entry or a verified certificate,
	// not spent, not an input of a journaled order.
	Spendable CoinState = iota + 1
	// Incoming: an output to this wallet of a journaled order that is not
	// certified yet (in v1 only the change of the wallet's own pending
	// orders: other people's uncertified orders are never counted). It
	// becomes Spendable when the certificate is applied.
	Incoming
	// Sending: an input of a journaled order that is still pending.
	Sending
	// Frozen: an input of an order that cannot be certified any more
	// (refusals from more than f validators, or a certificate of a
	// conflicting order spent another of its inputs). Validators never
	// release a lock, so in v1 a frozen coin is lost for good; it is
	// shown so that the loss is visible.
	Frozen
	// Spent: spent by an applied certificate.
	Spent
)

func (s CoinState) String() string {
	switch s {
	case Spendable:
		return "spendable"
	case Incoming:
		return "incoming"
	case Sending:
		return "sending"
	case Frozen:
		return "frozen"
	case Spent:
		return "spent"
	}
	return "unknown"
}

// OrderState is the state of a journaled order.
type OrderState uint8

// Order states (stored: do not renumber).
const (
	Pending   OrderState = 0 // journaled, to be (re)sent until settled
	Certified OrderState = 1 // a certificate was applied
	Refused   OrderState = 2 // can never be certified: its inputs are frozen
)

// OwnedCoin is a coin of this wallet.
type OwnedCoin struct {
	ledger.Coin
	// Index is the stealth output index the one-time key was derived with.
	Index uint32
	// Origin is the digest of the order that created the coin (zero for
	// a genesis coin).
	Origin ledger.Digest
	State  CoinState
	Found  time.Time
}

// Balance sums coin amounts per state.
type Balance struct {
	Spendable, Incoming, Sending, Frozen uint64
}

// owned is a found coin with its row.
type owned struct {
	OwnedCoin
	row   rowID
	spent bool
}

// journaled is an order of the journal.
type journaled struct {
	row     rowID
	rec     journalRecord
	so      *ledger.SignedOrder
	d       ledger.Digest
	state   OrderState
	seq     int // journal order
	created time.Time
	mine    []OwnedCoin // outputs to this wallet (change), by scanning
}

// applied is a certificate applied to the wallet.
type applied struct {
	row  rowID
	cert *ledger.Certificate
	at   time.Time
}

// state is the wallet's view, rebuilt from the database at Open and
// changed only after the database write that records the change commits.
// It does no I/O; not safe for concurrent use (Wallet locks).
type state struct {
	net    ledger.NetworkID
	seq    int
	coins  map[ledger.CoinID]*owned
	orders map[ledger.Digest]*journaled
	certs  map[ledger.Digest]*applied
}

func newState(net ledger.NetworkID) *state {
	return &state{net: net, coins: map[ledger.CoinID]*owned{}, orders: map[ledger.Digest]*journaled{},
		certs: map[ledger.Digest]*applied{}}
}

func (s *state) nextSeq() int { s.seq++; return s.seq }

// pending returns the pending orders in journal order.
func (s *state) pending() []*journaled {
	var out []*journaled
	for _, j := range s.orders {
		if j.state == Pending {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b *journaled) int { return a.seq - b.seq })
	return out
}

// holders maps each input of a pending or refused order to that order's
// state (a refused order wins: its inputs are frozen whatever else).
func (s *state) holders() map[ledger.CoinID]OrderState {
	h := map[ledger.CoinID]OrderState{}
	for _, j := range s.orders {
		if j.state == Certified {
			continue
		}
		for _, id := range j.so.Inputs {
			if cur, ok := h[id]; !ok || cur == Pending {
				h[id] = j.state
			}
		}
	}
	return h
}

// stateOf derives a found coin's state.
func stateOf(c *owned, h map[ledger.CoinID]OrderState) CoinState {
	if c.spent {
		return Spent
	}
	switch st, ok := h[c.ID]; {
	case !ok:
		return Spendable
	case st == Refused:
		return Frozen
	default:
		return Sending
	}
}

// list returns every coin (found and incoming) with its state, in a
// stable order (by found time, then ID).
func (s *state) list() []OwnedCoin {
	h := s.holders()
	var out []OwnedCoin
	for _, c := range s.coins {
		oc := c.OwnedCoin
		oc.State = stateOf(c, h)
		out = append(out, oc)
	}
	for _, j := range s.orders {
		if j.state == Pending {
			out = append(out, j.mine...)
		}
	}
	slices.SortFunc(out, func(a, b OwnedCoin) int {
		if c := a.Found.Compare(b.Found); c != 0 {
			return c
		}
		return slices.Compare(a.ID[:], b.ID[:])
	})
	return out
}

// spendable returns the spendable coins.
func (s *state) spendable() []*owned {
	h := s.holders()
	var out []*owned
	for _, c := range s.coins {
		if stateOf(c, h) == Spendable {
			out = append(out, c)
		}
	}
	return out
}

// balance sums the coins per state (the total supply fits a uint64, so
// the sums cannot overflow).
func (s *state) balance() Balance {
	var b Balance
	for _, c := range s.list() {
		switch c.State {
		case Spendable:
			b.Spendable += c.Amount
		case Incoming:
			b.Incoming += c.Amount
		case Sending:
			b.Sending += c.Amount
		case Frozen:
			b.Frozen += c.Amount
		}
	}
	return b
}
