package link

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// nodeN is a distinct throwaway node ID per n (the guard does not check
// keys, the certificate check before admit does).
func nodeN(n int) identity.NodeID {
	var id identity.NodeID
	id[0] = 0xaa
	binary.BigEndian.PutUint32(id[28:], uint32(n))
	return id
}

// Regression: a flood of future-stamped message 1s from throwaway
// identities used to raise the floor into the future through eviction,
// so every honest initiator got ErrReplay for minutes. With the table full
// of fresh entries, a known initiator with a correct clock must still be
// admitted, and once the flood's entries are stale a new one too.
func TestReplayGuardFutureFloodNoLockout(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, ahead := range []time.Duration{29 * time.Second, 4*time.Minute + 59*time.Second} {
		g := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Hour)})
		honest := nodeN(0)
		if err := g.admit(honest, ns(now.Add(-time.Second)), now); err != nil {
			t.Fatalf("honest setup: %v", err)
		}
		for i := 1; i <= DefaultReplayCapacity+100; i++ {
			g.admit(nodeN(i), ns(now.Add(ahead)), now) // refused once the table is full
		}
		if g.Len() > DefaultReplayCapacity {
			t.Fatalf("table grew to %d", g.Len())
		}
		t1 := now.Add(time.Second)
		if err := g.admit(honest, ns(t1), t1); err != nil {
			t.Fatalf("flood %v ahead: honest known initiator refused: %v", ahead, err)
		}
		later := now.Add(DefaultReplayWindow + ahead + time.Second)
		if err := g.admit(nodeN(-1), ns(later), later); err != nil {
			t.Fatalf("flood %v ahead: new initiator refused after the flood went stale: %v", ahead, err)
		}
	}
}

// While the table is full of fresh entries a newcomer is refused as rate
// limited (and counted), known initiators are not, and nothing a flood does
// moves the floor above now-Window.
func TestReplayGuardFullTableRefusesNewcomers(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := NewReplayGuard(ReplayConfig{NotBefore: now.Add(-time.Hour), Capacity: 3})
	for i := 1; i <= 3; i++ {
		if err := g.admit(nodeN(i), ns(now)+uint64(i), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.precheck(nodeN(4), ns(now)+10, now); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("precheck of a newcomer with a full table: %v", err)
	}
	if err := g.admit(nodeN(4), ns(now)+10, now); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("newcomer with a full, fresh table: %v", err)
	}
	if err := g.admit(nodeN(2), ns(now)+11, now); err != nil {
		t.Fatalf("known initiator with a full table: %v", err)
	}
	if s := g.Stats(); s.Evicted != 0 || s.Accepted != 4 {
		t.Fatalf("stats %+v", s)
	}
	// nodeN(1) is the LRU tail; once its timestamp is past the window it
	// gives its slot to a newcomer.
	later := now.Add(DefaultReplayWindow + time.Second)
	if err := g.admit(nodeN(4), ns(later), later); err != nil {
		t.Fatalf("newcomer once the tail is stale: %v", err)
	}
	if g.Len() != 3 || g.Stats().Evicted != 1 {
		t.Fatalf("len %d, stats %+v", g.Len(), g.Stats())
	}
	if g.floor > ns(later.Add(-DefaultReplayWindow)) {
		t.Fatal("eviction moved the floor above now-Window")
	}
	// The evicted node's old message is refused (stale), a fresh one is
	// admitted once another entry is stale.
	if err := g.admit(nodeN(1), ns(now)+1, later); !errors.Is(err, ErrStale) {
		t.Fatalf("evicted node's old message: %v", err)
	}
}
