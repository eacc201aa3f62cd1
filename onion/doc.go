// Package onion is the root of Warren's onion-routing layers.
//
// Its subpackages will own the Tor transport (onion/tor, the only importer of
// github.com/cretz/bine) and Warren's own circuits (onion/cell,
// onion/circuit). Nothing lives here yet: the Tor transport and circuits are
// later issues. This package does no I/O.
package onion
