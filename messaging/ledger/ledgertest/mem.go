// Package ledgertest has test doubles for package ledger: Mem, an
// in-memory ledger.Storage. It does no I/O.
package ledgertest

import (
	"errors"
	"maps"
	"sync"

	"github.com/warrennet/warren/messaging/ledger"
)

// Mem is an in-memory ledger.Storage. Every method is atomic under one
// mutex, so the all-or-nothing contracts hold; "durable" means "outlives
// the Validator": build a new Validator over the same Mem to simulate a
// restart. Safe for concurrent use. The zero value is not usable: call
// NewMem.
type Mem struct {
	mu      sync.Mutex
	coins   map[ledger.CoinID]entry
	locks   map[ledger.CoinID]ledger.Digest
	orders  map[ledger.Digest]*ledger.SignedOrder
	applied map[ledger.Digest]bool
	feed    [][]byte // encoded certificates in the order applied
	burned  uint64
	// FailLock, if set, makes LockAndRecord return it (without writing):
	// a disk failure.
	FailLock error
}

type entry struct {
	coin  ledger.Coin
	state ledger.CoinState
}

var _ ledger.Storage = (*Mem)(nil)

// NewMem returns an empty store.
func NewMem() *Mem {
	return &Mem{coins: map[ledger.CoinID]entry{}, locks: map[ledger.CoinID]ledger.Digest{},
		orders: map[ledger.Digest]*ledger.SignedOrder{}, applied: map[ledger.Digest]bool{}}
}

// Coin implements ledger.Storage.
func (m *Mem) Coin(id ledger.CoinID) (ledger.Coin, ledger.CoinState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.coins[id]
	return e.coin, e.state, nil
}

// Lock implements ledger.Storage.
func (m *Mem) Lock(id ledger.CoinID) (ledger.Digest, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.locks[id]
	return d, ok, nil
}

// Locked implements ledger.Storage.
func (m *Mem) Locked(d ledger.Digest) (*ledger.SignedOrder, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	so, ok := m.orders[d]
	if !ok {
		return nil, errors.New("ledgertest: no order recorded under digest")
	}
	return clone(so), nil
}

func clone(so *ledger.SignedOrder) *ledger.SignedOrder {
	cp := *so
	cp.Inputs = append([]ledger.CoinID(nil), so.Inputs...)
	cp.Outputs = append([]ledger.Output(nil), so.Outputs...)
	cp.Sigs = append([][ledger.SigSize]byte(nil), so.Sigs...)
	return &cp
}

// LockAndRecord implements ledger.Storage.
func (m *Mem) LockAndRecord(d ledger.Digest, so *ledger.SignedOrder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailLock != nil {
		return m.FailLock
	}
	for _, id := range so.Inputs {
		holder, locked := m.locks[id]
		switch {
		case locked && holder != d:
			return &ledger.ConflictError{Input: id, Holder: holder}
		case locked:
		case m.coins[id].state == ledger.StateUnknown:
			return ledger.ErrUnknownCoin
		case m.coins[id].state != ledger.StateUnspent:
			return ledger.ErrSpent
		}
	}
	for _, id := range so.Inputs {
		m.locks[id] = d
	}
	m.orders[d] = clone(so)
	return nil
}

// Applied implements ledger.Storage.
func (m *Mem) Applied(d ledger.Digest) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applied[d], nil
}

// Apply implements ledger.Storage.
func (m *Mem) Apply(d ledger.Digest, cert *ledger.Certificate) error {
	enc, err := cert.Marshal()
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.applied[d] {
		return nil
	}
	inputs, outputs, fee := cert.Order.Inputs, cert.Order.Coins(d), cert.Order.Fee
	for _, id := range inputs {
		switch e := m.coins[id]; e.state {
		case ledger.StateUnknown:
			m.coins[id] = entry{coin: ledger.Coin{ID: id}, state: ledger.StateTombstone}
		case ledger.StateUnspent:
			m.coins[id] = entry{coin: e.coin, state: ledger.StateSpent}
		}
	}
	for _, c := range outputs {
		switch m.coins[c.ID].state {
		case ledger.StateUnknown:
			m.coins[c.ID] = entry{coin: c, state: ledger.StateUnspent}
		case ledger.StateTombstone:
			m.coins[c.ID] = entry{coin: c, state: ledger.StateSpent}
		}
	}
	m.burned += fee
	m.applied[d] = true
	m.feed = append(m.feed, enc)
	return nil
}

// Feed implements ledger.Storage.
func (m *Mem) Feed(after uint64, max int) ([]ledger.FeedEntry, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ledger.FeedEntry
	for i := after; i < uint64(len(m.feed)) && len(out) < max; i++ {
		out = append(out, ledger.FeedEntry{Seq: i + 1, Cert: m.feed[i]})
	}
	return out, uint64(len(m.feed)), nil
}

// Seed implements ledger.Storage.
func (m *Mem) Seed(genesis []ledger.Coin) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range genesis {
		if m.coins[c.ID].state == ledger.StateUnknown {
			m.coins[c.ID] = entry{coin: c, state: ledger.StateUnspent}
		}
	}
	return nil
}

// Totals returns Σ unspent amounts and the burned total, and whether any
// tombstone remains (then the sum is not yet meaningful).
func (m *Mem) Totals() (unspent, burned uint64, tombstones bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.coins {
		switch e.state {
		case ledger.StateUnspent:
			unspent += e.coin.Amount
		case ledger.StateTombstone:
			tombstones = true
		}
	}
	return unspent, m.burned, tombstones
}

// States returns a copy of every coin's state: two validators that have
// applied the same certificates have equal States.
func (m *Mem) States() map[ledger.CoinID]ledger.CoinState {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[ledger.CoinID]ledger.CoinState, len(m.coins))
	for id, e := range m.coins {
		out[id] = e.state
	}
	return out
}

// AppliedSet returns a copy of the applied certificate digests.
func (m *Mem) AppliedSet() map[ledger.Digest]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.applied)
}
