//go:build race

package sim

// raceBuild is true under -race. The race detector's runtime (TSan)
// crashed with a SIGSEGV in SlotLock in this package, twice in
// TestPartitionHeal after TestEclipseAtRestart had run ~1,200 synctest
// bubbles (the crash also came with 50 nodes, so the bubble count, not the
// goroutine count, is the likely trigger). Under -race the scenarios run
// at simNodes' reduced size and R18 with a twentieth of its restarts;
// `make unit` runs them again at full size without -race.
const raceBuild = true
