//go:build race

package sim

// raceBuild is true under -race. The race detector's runtime (TSan) has
// crashed in SlotLock with the ~10,000 goroutines of a 200-node simulation
// inside a synctest bubble, so under -race the 200-node scenarios run at
// simNodes' reduced size; `make unit` runs them again at full size without
// -race.
const raceBuild = true
