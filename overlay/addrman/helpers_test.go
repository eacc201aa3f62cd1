package addrman

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

var (
	netID   = sha256.Sum256([]byte("warren addrman test network"))
	testKey = sha256.Sum256([]byte("warren addrman test bucketing key"))
	// t0 is mid-epoch, so records issued a little later keep the epoch.
	t0 = identity.EpochStart(2930).Add(3*24*time.Hour + 17*time.Second)
)

// clock is a settable clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(t0.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func seeded(seed uint64) *rand.Rand      { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
func testConfig(c *clock, seed uint64) Config {
	return Config{Key: testKey, Now: c.Now, Rand: seeded(seed)}
}

func newBook(t testing.TB, cfg Config) *Book {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// node is a deterministic test node.
type node struct {
	key ed25519.PrivateKey
	id  identity.NodeID
}

var (
	nodesMu sync.Mutex
	nodes   []node
)

// testNode returns node i, the same in every run.
func testNode(i int) node {
	nodesMu.Lock()
	defer nodesMu.Unlock()
	for len(nodes) <= i {
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], uint64(len(nodes)))
		s := sha256.Sum256(append([]byte("addrman test node "), seed[:]...))
		k := ed25519.NewKeyFromSeed(s[:])
		nodes = append(nodes, node{key: k, id: identity.NodeID(k.Public().(ed25519.PublicKey))})
	}
	return nodes[i]
}

func nodeID(i int) identity.NodeID { return testNode(i).id }

// signedAt returns node i's record issued at issued, valid for life, and
// its encoding.
func signedAt(t testing.TB, i int, issued time.Time, life time.Duration) (*record.Record, []byte) {
	t.Helper()
	n := testNode(i)
	at := uint64(issued.Unix())
	r := &record.Record{
		NodeID:     n.id,
		LinkKey:    sha256.Sum256(append([]byte("link"), n.id[:]...)),
		OnionKey:   sha256.Sum256(append([]byte("onion"), n.id[:]...)),
		OnionEpoch: identity.EpochAt(issued),
		Roles:      record.RoleRelay,
		IssuedAt:   at,
		ExpiresAt:  at + uint64(life/time.Second),
		Addrs:      []record.Addr{record.OnionAddr(n.id, 443)},
	}
	if err := r.Sign(n.key, netID); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	raw, err := r.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return r, raw
}

type signedRec struct {
	rec *record.Record
	raw []byte
}

var (
	recsMu sync.Mutex
	recs   []signedRec // recs[i] is node i's record issued at t0, valid a day
)

// rec returns node i's cached record issued at t0, valid for a day.
func rec(t testing.TB, i int) (*record.Record, []byte) {
	t.Helper()
	recsMu.Lock()
	defer recsMu.Unlock()
	for len(recs) <= i {
		r, raw := signedAt(t, len(recs), t0, 24*time.Hour)
		recs = append(recs, signedRec{r, raw})
	}
	return recs[i].rec, recs[i].raw
}

// add adds node i's cached record from source and returns the result.
func add(t testing.TB, b *Book, i int, source identity.NodeID) AddResult {
	t.Helper()
	r, raw := rec(t, i)
	return b.Add(r, raw, source)
}

func mustAdd(t testing.TB, b *Book, i int, source identity.NodeID, want AddResult) {
	t.Helper()
	if got := add(t, b, i, source); got != want {
		t.Fatalf("Add(node %d) = %v, want %v", i, got, want)
	}
}

// entryOf returns the internal entry of id (test-only peek).
func entryOf(b *Book, id identity.NodeID) *entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byID[id]
}

// checkInvariants verifies the tables, index and counters agree.
func checkInvariants(t testing.TB, b *Book) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := 0
	perSource := map[identity.NodeID]int{}
	for _, tb := range []*table{&b.newT, &b.triedT} {
		n := 0
		for pos, e := range tb.slots {
			if e == nil {
				continue
			}
			n++
			if int(e.pos) != pos || b.byID[e.id] != e || e.tried != (tb == &b.triedT) {
				t.Fatalf("entry at %d inconsistent (pos %d, tried %v)", pos, e.pos, e.tried)
			}
			if !e.tried {
				perSource[e.source]++
			}
		}
		if n != tb.n {
			t.Fatalf("table count %d, slots hold %d", tb.n, n)
		}
		seen += n
	}
	if seen != len(b.byID) {
		t.Fatalf("tables hold %d entries, index %d", seen, len(b.byID))
	}
	if len(perSource) != len(b.perSource) {
		t.Fatalf("perSource has %d sources, want %d", len(b.perSource), len(perSource))
	}
	for s, n := range perSource {
		if b.perSource[s] != n {
			t.Fatalf("perSource = %d, want %d", b.perSource[s], n)
		}
	}
}
