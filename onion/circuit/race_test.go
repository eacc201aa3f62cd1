//go:build race

package circuit_test

// Under -race the long campaigns run shortened; `make unit` runs them
// again at full size without -race.
const raceBuild = true
