package sim

import (
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// TestChurn (R31): in a converged 200-node network (simNodes), 20 % of the
// nodes leave and as many new ones join; the network converges again.
func TestChurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := simNodes()
		churn := n / 5
		_, s := convergence(t, n, 2)
		rng := rand.New(rand.NewPCG(2, 2))
		for _, i := range rng.Perm(len(s.Nodes) - 1)[:churn] {
			s.Stop(s.Nodes[i+1]) // node 0, a bootstrap node, stays
		}
		for range churn {
			nd, err := s.AddNode()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(nd); err != nil {
				t.Fatal(err)
			}
		}
		took, ok := s.WaitFor(func() bool { return s.Coverage(0.95) >= 0.95 }, time.Second, 30*time.Minute)
		if !ok {
			t.Fatalf("R31: no convergence after churn within %s (%.1f %%)", took, 100*s.Coverage(0.95))
		}
		full, ok := s.WaitFor(func() bool { return s.Coverage(1) >= 1 }, time.Second, 30*time.Minute)
		t.Logf("R31: %d of %d nodes left, %d joined: 95/95 after %s, every node knows every live record after %s more (%v)", churn, n, churn, took, full, ok)
		s.Close()
	})
}

// TestPartitionHeal (R32): a 200-node network (simNodes) splits in two for 10
// minutes; each side gains 10 new nodes; after the heal every node learns
// every live record.
func TestPartitionHeal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := convergence(t, simNodes(), 3)
		side := func(id identity.NodeID) int { return int(id[0] & 1) }
		s.Net.Partition(func(a, b identity.NodeID) bool { return side(a) != side(b) })
		for made := [2]int{}; made[0] < 10 || made[1] < 10; {
			n, err := s.AddNode()
			if err != nil {
				t.Fatal(err)
			}
			if made[side(n.ID)] >= 10 {
				n.Up = false
				continue
			}
			made[side(n.ID)]++
			if err := s.Start(n); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Minute)
		crossKnown := s.Coverage(1)
		s.Net.Partition(nil)
		took, ok := s.WaitFor(func() bool { return s.Coverage(1) >= 1 }, time.Second, 2*time.Hour)
		if !ok {
			t.Fatalf("R32: after the heal, only %.1f %% of nodes know every live record after %s", 100*s.Coverage(1), took)
		}
		t.Logf("R32: split 10 min, 10 joins per side (%.1f %% of nodes knew every record before the heal): every node knows every live record %s after the heal", 100*crossKnown, took)
		s.Close()
	})
}
