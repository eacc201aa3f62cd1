// Package identity holds a node's long-term keys and their public names.
//
// It owns three kinds of key, kept apart on purpose (linking them is the
// attack; see design.md §3):
//
//   - the node key (ed25519): also the node's Tor v3 onion-service key, so a
//     [NodeID] and the node's .onion address are the same 32 bytes;
//   - the link static key (X25519): the node's Noise static key on links;
//   - the circuit onion keys (X25519), one per [OnionEpochLength] epoch, with
//     the previous epoch's key kept so handshakes that started against it
//     still complete.
//
// [ValidNodeKey] is the one check of a node key that every decoder of one
// uses (ParseNodeID here, link certificates, peer records): it refuses the
// small-order and non-canonical ed25519 encodings, under which anyone can
// make signatures that crypto/ed25519 accepts.
//
// A [Keyring] holds one node's keys. [Generate] makes one from an injected
// random source; [Load] and [Keyring.Save] move it through a
// consumer-owned [SecretStore] using a strict, versioned codec.
//
// The package deliberately does not: touch files, the network or the clock
// (time and randomness are parameters); hold user or wallet identities
// (those never meet a NodeID); sign peer records (package record does that
// with the key this package holds); or implement the secret store.
//
// I/O: none of its own. Save and Load call the SecretStore they are given.
//
// Concurrency: a *Keyring's methods are safe for concurrent use; its Node
// and Link fields are read-only until Close. NodeID is a value and
// ParseNodeID a pure function.
//
// Secrets never appear in Error() strings, String(), fmt verbs or slog
// output: key types implement slog.LogValuer and fmt.Formatter with a
// redacted form.
package identity
