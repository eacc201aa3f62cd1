package sim

import (
	"math/rand/v2"
	"time"

	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/peers"
)

// Start runs n: its book (restored from its last Stop), gossip engine and
// connection manager, reachable on the memnet; it publishes its record.
func (s *Sim) Start(n *Node) error {
	rnd := func(k uint64) *rand.Rand { return rand.New(rand.NewPCG(s.cfg.Seed^uint64(n.Index)<<20, k)) }
	book, err := addrman.Load(addrman.Config{Key: n.bookKey, Self: n.ID, Rand: rnd(1)}, n.saved)
	if err != nil {
		return err
	}
	n.Book = book
	n.Gossip = gossip.New(gossip.Config{
		NetworkID: s.NetID, Self: n.ID, Book: peers.GossipBook(book), Verify: s.memo.verify,
		Rand: rnd(2), Logger: s.cfg.Logger,
	})
	n.Mgr, err = peers.New(peers.Config{
		Self: n.ID, Book: book, Gossip: n.Gossip, Dialer: s.Net.Dialer(n.ID),
		Bootstrap: s.bootstrap, OutboundTarget: s.cfg.OutboundTarget,
		PingInterval: s.cfg.PingInterval, IdleTimeout: s.cfg.IdleTimeout,
		Rand: rnd(3), Logger: s.cfg.Logger,
	})
	if err != nil {
		n.Gossip.Close()
		return err
	}
	s.Net.Listen(n.ID, n.Keys.LinkPublic(), func(c peers.Conn) { n.Mgr.Accept(c) })
	n.Mgr.Start()
	n.Up = true
	return n.Gossip.Publish(n.Raw)
}

// Stop kills n: its links end at once, as a killed process's would. Its
// address book and anchors are kept for the next Start.
func (s *Sim) Stop(n *Node) {
	if !n.Up {
		return
	}
	s.Net.Kill(n.ID)
	n.Mgr.Close()
	n.Gossip.Close()
	n.saved = n.Book.List() // anchors included (Info.Anchor)
	n.Up = false
}

// Close stops every node.
func (s *Sim) Close() {
	for _, n := range s.Nodes {
		s.Stop(n)
	}
}

// Live lists the running nodes.
func (s *Sim) Live() []*Node {
	var out []*Node
	for _, n := range s.Nodes {
		if n.Up {
			out = append(out, n)
		}
	}
	return out
}

// Coverage is the fraction of running nodes whose address book holds at
// least frac of the running nodes' current records (their own included).
func (s *Sim) Coverage(frac float64) float64 {
	live := s.Live()
	if len(live) == 0 {
		return 0
	}
	good := 0
	for _, n := range live {
		known := 0
		for _, o := range live {
			if o == n || knows(n.Book, o) {
				known++
			}
		}
		if float64(known) >= frac*float64(len(live)) {
			good++
		}
	}
	return float64(good) / float64(len(live))
}

// knows reports whether b holds o's current record.
func knows(b *addrman.Book, o *Node) bool {
	info, ok := b.Get(o.ID)
	return ok && info.Record.IssuedAt >= o.Rec.IssuedAt
}

// WaitFor advances fake time in steps until cond holds or limit passes;
// it returns the time waited and whether cond held.
func (s *Sim) WaitFor(cond func() bool, step, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) >= limit {
			return time.Since(start), false
		}
		time.Sleep(step)
	}
}
