//go:build !race

package circuit_test

const raceBuild = false
