// Package onion is the root of Warren's onion-routing layers:
//
//   - onion/tor: the Tor transport (the only importer of
//     github.com/cretz/bine) and the private test network;
//   - onion/cell: the circuit cell and relay-message codec;
//   - onion/handshake: the per-hop circuit handshake (Noise NK to the
//     relay's onion key) and its replay cache;
//   - onion/relaycrypto: the layered, tagging-resistant relay crypto;
//   - onion/circuit: circuits over links (relay and client sides,
//     streams, flow control, services), with circnet, a loopback network
//     of relays for tests and benchmarks.
//
// This package itself holds nothing and does no I/O.
package onion
