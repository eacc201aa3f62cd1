// Package sim runs many overlay nodes (address book, gossip, connection
// manager) in one process over memnet, for tests and benchmarks. Run it
// inside a testing/synctest bubble: time is then fake, so an hour of
// network life takes seconds, and waits end as soon as every node is idle.
//
// Randomness is seeded (node keys, bucketing keys, every choice the
// managers and gossip engines make), but goroutines still interleave as the
// scheduler likes, so two runs of one seed agree in distribution, not bit
// for bit. Record signatures are checked once per distinct record and the
// result shared by all nodes: verification is a pure function, and this
// keeps a 1,000-node run within seconds of CPU.
//
// It is test support: it does no I/O and holds every node in memory.
package sim

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/peers/memnet"
	"github.com/warrennet/warren/overlay/record"
)

// Config shapes a simulation. Zero fields take the defaults noted.
type Config struct {
	Nodes          int    // nodes made by New (not started)
	Seed           uint64 // everything random derives from it
	Bootstrap      int    // the first Bootstrap nodes are the genesis bootstrap peers (default 3)
	OutboundTarget int    // default peers.DefaultOutboundTarget
	PingInterval   time.Duration
	IdleTimeout    time.Duration
	// RecordLifetime of every node's record (default 24h).
	RecordLifetime time.Duration
	Logger         *slog.Logger
}

// Sim is a set of simulated nodes on one memnet.
type Sim struct {
	cfg       Config
	NetID     [32]byte
	Net       *memnet.Network
	Nodes     []*Node
	rng       *rand.Rand
	memo      *verifyMemo
	bootstrap []peers.Target
}

// Node is one simulated node. Its book survives Stop and Start, as a
// node's SQLite address book survives a restart.
type Node struct {
	Index  int
	ID     identity.NodeID
	Keys   *identity.Keyring
	Rec    *record.Record
	Raw    []byte
	Book   *addrman.Book
	Gossip *gossip.Engine
	Mgr    *peers.Manager
	Up     bool

	bookKey [32]byte
	saved   []addrman.Info
}

// New makes cfg.Nodes nodes with keys and signed records; none runs yet.
func New(cfg Config) (*Sim, error) {
	if cfg.Bootstrap == 0 {
		cfg.Bootstrap = 3
	}
	if cfg.RecordLifetime == 0 {
		cfg.RecordLifetime = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sim{cfg: cfg, Net: memnet.New(), rng: rand.New(rand.NewPCG(cfg.Seed, 0x5157))}
	s.NetID = sha256.Sum256(fmt.Appendf(nil, "warren/sim/%d", cfg.Seed))
	s.memo = newVerifyMemo(s.NetID)
	for range cfg.Nodes {
		if _, err := s.AddNode(); err != nil {
			return nil, err
		}
	}
	for _, n := range s.Nodes[:min(cfg.Bootstrap, len(s.Nodes))] {
		s.bootstrap = append(s.bootstrap, peers.TargetOf(n.Rec))
	}
	return s, nil
}

// seeded is a deterministic byte stream for keys.
type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

// AddNode makes one more node (keys, record); it does not start it.
func (s *Sim) AddNode() (*Node, error) {
	i := len(s.Nodes)
	var seed [32]byte
	for j := range seed {
		seed[j] = byte(s.rng.Uint32())
	}
	src := seeded{rand.NewChaCha8(seed)}
	kr, err := identity.Generate(src, time.Now())
	if err != nil {
		return nil, err
	}
	n := &Node{Index: i, ID: kr.NodeID(), Keys: kr}
	if _, err := src.Read(n.bookKey[:]); err != nil {
		return nil, err
	}
	if err := s.Resign(n); err != nil {
		return nil, err
	}
	s.Nodes = append(s.Nodes, n)
	return n, nil
}

// Resign issues n a fresh record (a later IssuedAt), as a node does
// periodically, and publishes it if n is running.
func (s *Sim) Resign(n *Node) error {
	if _, err := n.Keys.RotateOnion(nil, time.Now()); err != nil {
		return err
	}
	port := uint16(1024 + n.Index%60000)
	rec, err := record.New(n.Keys, s.NetID, time.Now(), record.Options{
		Roles: record.RoleRelay, Lifetime: s.cfg.RecordLifetime,
		Addrs: []record.Addr{record.TCPAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))},
	})
	if err != nil {
		return err
	}
	if n.Raw, err = rec.Marshal(); err != nil {
		return err
	}
	n.Rec = rec
	if n.Up {
		return n.Gossip.Publish(n.Raw)
	}
	return nil
}

// verifyMemo verifies each distinct raw record once.
type verifyMemo struct {
	netID [32]byte
	mu    sync.Mutex
	m     map[[32]byte]memoEntry
}

type memoEntry struct {
	rec *record.Record
	err error
}

func newVerifyMemo(netID [32]byte) *verifyMemo {
	return &verifyMemo{netID: netID, m: make(map[[32]byte]memoEntry)}
}

// verify parses and verifies raw. Only time-independent outcomes are
// shared: expiry is checked again on every call.
func (v *verifyMemo) verify(raw []byte) (*record.Record, error) {
	h := sha256.Sum256(raw)
	v.mu.Lock()
	e, ok := v.m[h]
	v.mu.Unlock()
	if !ok {
		e.rec, e.err = record.Unmarshal(raw)
		if e.err == nil {
			e.err = e.rec.Verify(v.netID, e.rec.Issued())
		}
		v.mu.Lock()
		v.m[h] = e
		v.mu.Unlock()
	}
	if e.err != nil {
		return nil, e.err
	}
	now := time.Now()
	if !now.Before(e.rec.Expires()) {
		return nil, record.ErrExpired
	}
	if e.rec.Issued().After(now.Add(record.MaxClockSkew)) {
		return nil, record.ErrNotYetValid
	}
	return e.rec, nil
}
