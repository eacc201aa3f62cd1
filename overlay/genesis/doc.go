// Package genesis is the network genesis: the small document that names a
// Warren network, and the codec that turns it into the network ID.
//
// A [Genesis] holds the network's name, an optional creation time, the
// bootstrap peers a new node first dials (node ID, X25519 link key,
// addresses), the payment validators (ed25519 vote key, the node ID of
// the relay that runs it, and a short name) and the payment ledger's
// genesis (its initial coins: bytes this package bounds but does not read;
// package messaging/ledger parses them). Its network ID ([Genesis.ID]) is SHA-256 over [IDDomain] and the
// genesis's canonical binary form. Links and peer records bind that 32-byte
// ID, so a node only ever talks to peers of the same genesis: change any
// field, and it is another network.
//
// Versions: this build reads canonical and file format version 2 only. A
// version 1 file (validators without node IDs, no ledger) is refused with
// [ErrVersion] and a message saying to regenerate it: it was only ever
// used by development networks, and reading it as "no validators" would
// silently give another network ID anyway.
//
// What it binds: exactly the fields above, in canonical order (bootstrap
// peers sorted by node ID, each peer's addresses sorted as in package
// record, validators sorted by key). The order of the slices in a Genesis
// value carries no meaning: [Genesis.MarshalCanonical], [Genesis.ID] and
// [Genesis.MarshalFile] sort a copy (never g itself), and duplicates are an
// error. [UnmarshalCanonical] accepts only the canonical form;
// [ParseFile] accepts entries in any order (the ID does not depend on it)
// and returns them sorted; it refuses duplicates.
//
// What it does not bind or prove: a genesis is not signed. Whoever hands
// you the file decides which network you join, so get it from someone you
// trust, and compare its network ID (shown as hex in the file and by the
// CLI) with them out of band. The network_id written in the file is for
// humans: ParseFile recomputes it and refuses a file whose shown ID does
// not match ([ErrIDMismatch]), which catches edits and damage, not a
// malicious author. Nor does the package decide anything about the
// peers or validators it lists (dialling, address policy, committee
// rules and quorum belong to the packages that use them).
//
// Two encodings:
//   - the canonical binary form (spec at the top of canonical.go), which is
//     hashed into the ID and nothing else;
//   - the human-readable file (spec at the top of file.go): indented JSON
//     with a format version and the network ID in hex.
//
// Errors: every error wraps one of [ErrMalformed], [ErrInvalid],
// [ErrVersion] or [ErrIDMismatch]; most are a [*FieldError] naming the
// field ("bootstrap[2].link_key") and what is wrong. Error strings never
// quote the input, so never contain keys or addresses.
//
// I/O: none. It is a codec leaf: it reads and returns bytes; reading the
// file from disk is the caller's.
//
// Concurrency: Genesis, Peer and Validator are plain values; all functions
// and methods are safe for concurrent use as long as nobody mutates the
// Genesis they read.
package genesis
