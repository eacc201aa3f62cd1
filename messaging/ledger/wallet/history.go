package wallet

import (
	"slices"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
)

// EntryKind says whether a history entry paid or received.
type EntryKind uint8

// Entry kinds.
const (
	Sent     EntryKind = 1
	Received EntryKind = 2
)

// Entry is one line of the wallet's history.
type Entry struct {
	Kind EntryKind
	Time time.Time
	// Digest is the order's digest (zero for genesis coins).
	Digest ledger.Digest
	// Amount is what the recipient got (Sent) or the sum of this
	// wallet's outputs of the order (Received; change is not received).
	Amount uint64
	// Fee is the fee burned (Sent only).
	Fee uint64
	// State is the order's state (Sent only; received coins are final).
	State OrderState
}

// history lists sent orders and received coins grouped by the order (or
// genesis) that created them, oldest first.
func (s *state) history() []Entry {
	var out []Entry
	for _, j := range s.orders {
		out = append(out, Entry{Kind: Sent, Time: j.created, Digest: j.d,
			Amount: j.so.Outputs[j.rec.PayIndex].Amount, Fee: j.so.Fee, State: j.state})
	}
	recv := map[ledger.Digest]*Entry{}
	for _, c := range s.coins {
		if _, ours := s.orders[c.Origin]; ours {
			continue // change
		}
		e, ok := recv[c.Origin]
		if !ok {
			e = &Entry{Kind: Received, Time: c.Found, Digest: c.Origin, State: Certified}
			recv[c.Origin] = e
		}
		e.Amount += c.Amount
		if c.Found.Before(e.Time) {
			e.Time = c.Found
		}
	}
	for _, e := range recv {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return slices.Compare(a.Digest[:], b.Digest[:])
	})
	return out
}
