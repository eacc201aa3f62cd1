package peers

import (
	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// GossipBook lets a gossip engine offer the records it verified to an
// address book: a record is forwarded when it was news to the book, even if
// the book had no room for it (another node's book may).
func GossipBook(b *addrman.Book) gossip.Book { return bookAdapter{b} }

type bookAdapter struct{ b *addrman.Book }

func (a bookAdapter) Offer(rec *record.Record, raw []byte, source identity.NodeID) gossip.Verdict {
	switch a.b.Add(rec, raw, source) {
	case addrman.AddNew, addrman.AddUpdated:
		return gossip.Stored
	case addrman.AddNoRoom:
		return gossip.NotStored
	default: // stale, our own, banned
		return gossip.Stale
	}
}

func (a bookAdapter) Sample(n int) [][]byte { return a.b.Sample(n) }
