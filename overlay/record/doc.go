// Package record is the peer record: a node's self-certifying, signed
// statement of how to reach it and which keys to use.
//
// A record names the node (its ed25519 key, which is also its .onion
// address), its link static key, its current circuit onion key and that
// key's epoch, one to four addresses, the roles it serves, and a validity
// window; the node key signs all of it together with the network ID, so a
// record made for another network never verifies here. The wire format is
// specified at the top of codec.go; testdata/vectors.json holds vectors
// with their expected outcomes.
//
// The package owns the record's encoding, its canonical form and its
// signature. It deliberately does not: store or gossip records, decide
// which records to believe beyond Verify (address books and rate limits
// live above), dial addresses, or judge whether an IP address is suitable
// (Addr.IsLoopback is offered; policy is the caller's).
//
// I/O: none. It is a codec leaf; time is a parameter of Verify and New.
//
// Concurrency: Record and Addr are plain values. Distinct Records may be
// used concurrently; a single Record must not be mutated (Sign) while it is
// read (Marshal, Verify) elsewhere. All package functions are safe for
// concurrent use.
package record
