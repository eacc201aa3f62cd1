// Package relaycrypto is the layered encryption of relay cells on a
// Warren circuit: one layer per hop, each with integrity, so that a cell
// modified anywhere on the path destroys the circuit before any of its
// plaintext reaches any hop's application (tagging resistance).
//
// The construction follows Tor's Counter Galois Onion (CGO, proposal 359;
// Degabriele, Karadžić, Melloni, Münch and Stam, eprint 2025/583): every
// layer is UIV+, a tweakable wide-block-style transform of the 507-byte
// relay body, keyed per hop and per direction. Relays only ever run the
// UIV+ encryption direction (which is non-malleable: any change to its
// input randomises all of its output); clients run decryption. The first
// 16 bytes of a body are its tag: a cell is for a hop when, after that
// hop's layer, the tag equals the hop's current nonce. Each layer chains
// the previous cell's tag into the next cell's tweak, so a modification
// cannot be undone later, and the endpoints replace their keys every
// UpdateEvery cells they originate or accept (CGO does it after every
// cell; see update for why Warren does not).
//
// Warren instantiates CGO with primitives from Go's standard library: the
// tweak hash is GHASH through crypto/cipher's AES-GCM (hardware-assisted)
// instead of POLYVAL, and the PRF is AES-CTR (through AES-GCM) from a
// nonce that is an AES encryption of its input instead of a POLYVAL hash. docs/circuits.md
// sets the construction beside Tor's tor1 and CGO and gives the argument;
// it is not wire-compatible with Tor.
//
// The package owns the per-hop, per-direction state (keys, nonce, chained
// tag) and the five operations on it. It does not parse cells or relay
// messages, count SENDMEs, or do I/O. A Relay or Client value is not safe
// for concurrent use: a circuit processes its cells in order, on one
// goroutine at a time.
package relaycrypto
