// Package peers is the connection manager: it keeps this node linked to
// enough honest peers and no more. It owns
//
//   - the set of established links (at most one per node; a cap on inbound
//     links, with eviction of a random unprotected one when full);
//   - outbound maintenance: an outbound target filled from the address book
//     (anchors first after a restart, bootstrap peers when the book is
//     empty), dials with exponential backoff and full jitter;
//   - static peers (the operator's --peer list), kept linked always;
//   - feelers: test-before-evict for the address book's tried table, and
//     probes that promote reachable new entries to tried;
//   - liveness: a PING every PingInterval measures the round-trip time, and a
//     link that has received nothing for IdleTimeout is closed, so a dead
//     peer is noticed within IdleTimeout however it died;
//   - dispatch of each received link message by its first byte: PING/PONG
//     here, gossip to overlay/gossip, anything else closes the link.
//
// It does not own the address book's policy (overlay/addrman), record
// dissemination (overlay/gossip), the transport or the Noise handshake
// (callers hand it a Dialer and accepted Conns), or persistence (a callback
// receives the book's changes). It does no I/O of its own beyond the Conns
// it is given, so a simulation can run hundreds of managers in one process
// over an in-memory network under testing/synctest.
//
// A Manager is safe for concurrent use; Close stops every goroutine it
// started and closes every link it holds.
package peers
