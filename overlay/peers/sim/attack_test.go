package sim

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
)

// sybil is an attacker's identity with a valid signed record.
type sybil struct {
	id  identity.NodeID
	key [32]byte
	raw []byte
	rec *record.Record
}

// sybils makes n attacker identities with records valid in s's network.
// Every synctest bubble starts at the same instant, so they stay valid
// across bubbles.
func sybils(t testing.TB, s *Sim, n int, seed uint64) []sybil {
	rng := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}))
	out := make([]sybil, 0, n)
	for i := range n {
		kr, err := identity.Generate(seeded{rand.NewChaCha8([32]byte{byte(seed), byte(i), byte(i >> 8), byte(i >> 16), 0xaa})}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.New(kr, s.NetID, time.Now(), record.Options{Roles: record.RoleRelay,
			Addrs: []record.Addr{record.TCPAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.9"), uint16(1+rng.IntN(60000))))}})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := rec.Marshal()
		out = append(out, sybil{id: kr.NodeID(), key: kr.LinkPublic(), raw: raw, rec: rec})
		kr.Close()
	}
	return out
}

// TestSybilFlood (R17): one linked source announces 10,000 valid records
// at the highest rate the victim accepts; it ends holding at most its
// bucket cap in the victim's book, and no honest entry is lost.
func TestSybilFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := convergence(t, 30, 4)
		victim := s.Nodes[10]
		nw0, tr0 := victim.Book.Len()
		flood := sybils(t, s, 10000, 4)
		attacker := flood[0]
		s.Net.Listen(attacker.id, attacker.key, func(c peers.Conn) { c.Close() })
		c, err := s.Net.Dialer(attacker.id).Dial(context.Background(), peers.TargetOf(victim.Rec))
		if err != nil {
			t.Fatal(err)
		}
		victim.Mgr.Accept(c)
		go func() { // answer nothing, read everything
			for {
				if _, err := c.Recv(); err != nil {
					return
				}
			}
		}()
		for i := 0; i < len(flood); i += 50 { // 50 records/s: half the default push rate
			end := min(i+50, len(flood))
			var batch [][]byte
			for _, f := range flood[i:end] {
				batch = append(batch, f.raw)
			}
			msg, err := wire.AppendPush(nil, batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Send(msg); err != nil {
				t.Fatalf("attacker cut off after %d records: %v; victim's gossip: %+v", i, err, victim.Gossip.Stats())
			}
			time.Sleep(time.Second)
		}
		time.Sleep(5 * time.Second)
		held, cap := victim.Book.SourceCount(attacker.id), victim.Book.BucketCap()
		nw, tr := victim.Book.Len()
		t.Logf("R17: 10,000 records from one source: it holds %d entries (bucket cap %d); book went from %d/%d to %d/%d new/tried", held, cap, nw0, tr0, nw, tr)
		if held > cap {
			t.Errorf("R17: one source holds %d entries, more than its cap %d", held, cap)
		}
		for _, o := range s.Live() {
			if _, ok := victim.Book.Get(o.ID); o != victim && !ok {
				t.Errorf("R17: honest node %d's record lost from the victim's book", o.Index)
			}
		}
		s.Close()
	})
}

// eclipseWorld is shared by every R18 run: honest nodes and attacker nodes
// with valid records, all reachable.
type eclipseWorld struct {
	s       *Sim
	honest  []sybil
	evil    []sybil
	sources []identity.NodeID
}

var (
	eclipseOnce sync.Once
	eclipseW    *eclipseWorld
)

// R18 sizes: the victim knew 50 honest nodes (8 of them its outbound
// peers, in tried); the attacker, through 64 Sybil sources, fills the new
// table with 4,000 of its own records and got 8 of its nodes into tried.
const (
	r18Honest  = 50
	r18Evil    = 4000
	r18Sources = 64
)

func r18World(t *testing.T) *eclipseWorld {
	eclipseOnce.Do(func() {
		s, err := New(Config{Nodes: 0, Seed: 18})
		if err != nil {
			t.Fatal(err)
		}
		w := &eclipseWorld{s: s, honest: sybils(t, s, r18Honest, 180), evil: sybils(t, s, r18Evil, 181)}
		for _, e := range w.evil[:r18Sources] {
			w.sources = append(w.sources, e.id)
		}
		eclipseW = w
	})
	return eclipseW
}

// poisonedBook builds the victim's book as it was at shutdown.
func (w *eclipseWorld) poisonedBook(self identity.NodeID, seed uint64) (*addrman.Book, error) {
	var key [32]byte
	rng := rand.New(rand.NewPCG(seed, 18))
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	b, err := addrman.New(addrman.Config{Key: key, Self: self, Rand: rand.New(rand.NewPCG(seed, 19))})
	if err != nil {
		return nil, err
	}
	for i, h := range w.honest {
		b.Add(h.rec, h.raw, w.honest[(i+1)%len(w.honest)].id)
		if i < 8 {
			b.Good(h.id)
		}
	}
	for i, e := range w.evil {
		b.Add(e.rec, e.raw, w.sources[i%len(w.sources)])
		if i < 8 {
			b.Good(e.id)
		}
	}
	return b, nil
}

// eclipseRun restarts the victim once and reports whether at least one of
// its first 8 outbound peers is honest.
func (w *eclipseWorld) eclipseRun(t *testing.T, seed uint64, anchors bool) bool {
	ok := false
	synctest.Test(t, func(t *testing.T) {
		self := identity.NodeID{0xee, byte(seed), byte(seed >> 8)}
		book, err := w.poisonedBook(self, seed)
		if err != nil {
			t.Fatal(err)
		}
		if anchors {
			book.SetAnchors([]identity.NodeID{w.honest[0].id, w.honest[1].id})
		}
		honest := make(map[identity.NodeID]bool)
		for _, h := range w.honest {
			honest[h.id] = true
		}
		m, err := peers.New(peers.Config{Self: self, Book: book, Dialer: dialSink,
			Rand: rand.New(rand.NewPCG(seed, 20))})
		if err != nil {
			t.Fatal(err)
		}
		m.Start()
		for m.Count().Outbound < 8 {
			time.Sleep(100 * time.Millisecond)
		}
		for _, l := range m.Links() {
			if l.Outbound && honest[l.NodeID] {
				ok = true
			}
		}
		m.Close()
	})
	return ok
}

// dialSink reaches every honest and attacker node: the attacker keeps its
// nodes up to catch the victim's dials.
var dialSink = peers.DialerFunc(func(_ context.Context, tg peers.Target) (peers.Conn, error) {
	return newSinkConn(tg.NodeID), nil
})

func TestEclipseAtRestart(t *testing.T) {
	w := r18World(t)
	for _, anchors := range []bool{true, false} {
		runs := 1000
		if !anchors {
			runs = 200 // for the record only: without anchors the defence is the tried table alone
		}
		if raceBuild {
			// Each run is a synctest bubble; after ~1,200 of them the race
			// runtime crashed (SIGSEGV in TSan's SlotLock) in a later
			// test. The full count runs in make unit's non-race pass.
			runs /= 20
		}
		good := 0
		for seed := range uint64(runs) {
			if w.eclipseRun(t, seed, anchors) {
				good++
			}
		}
		t.Logf("R18: poisoned book (new table: %d attacker records from %d sources; tried: 8 honest, 8 attacker), anchors=%v: ≥1 honest outbound peer in %d of %d restarts (%.1f %%)",
			r18Evil, r18Sources, anchors, good, runs, 100*float64(good)/float64(runs))
		if anchors && good*100 < 99*runs {
			t.Errorf("R18: with anchors only %d of %d restarts kept an honest outbound peer", good, runs)
		}
	}
}
