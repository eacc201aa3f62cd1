package sim

import (
	"testing"
	"testing/synctest"
	"time"
)

// convergence starts n nodes (bootstrap nodes first, the rest over the
// next 10 s) and measures the simulated time until 95 % of nodes know
// 95 % of the live records.
func convergence(t *testing.T, n int, seed uint64) (time.Duration, *Sim) {
	s, err := New(Config{Nodes: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	for i, nd := range s.Nodes {
		if err := s.Start(nd); err != nil {
			t.Fatal(err)
		}
		if i >= s.cfg.Bootstrap {
			time.Sleep(10 * time.Second / time.Duration(n))
		}
	}
	took, ok := s.WaitFor(func() bool { return s.Coverage(0.95) >= 0.95 }, time.Second, 30*time.Minute)
	if !ok {
		t.Fatalf("%d nodes: after %s only %.1f %% of nodes know 95 %% of records", n, took, 100*s.Coverage(0.95))
	}
	return took, s
}

// simNodes is the size of the scenario networks: 200, or 50 under -race
// (see race_test.go).
func simNodes() int {
	if raceBuild {
		return 50
	}
	return 200
}

func TestConvergence200(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := simNodes()
		took, s := convergence(t, n, 1)
		t.Logf("%d nodes: 95 %% of nodes know 95 %% of records %s after the last start (%d gossip rounds of 1 s); full coverage %.1f %%",
			n, took, int(took/time.Second), 100*s.Coverage(1))
		s.Close()
	})
}
