// Package circuit runs Warren's Tor-style circuits over links: the relay
// side (CREATE, EXTEND, passing cells on with the relay crypto's layer,
// services at the last hop) and the client side (building a circuit hop
// by hop, streams to a named service), with SENDME flow control, bounded
// queues and an out-of-memory policy.
//
// A Node serves every link handed to it with Attach: one reader and one
// writer goroutine per link (a "channel"). Cells of one circuit on one
// channel are processed in order on that channel's reader; public-key
// work (CREATE) goes to a bounded worker pool, never the reader. Every
// channel has one queue per circuit, drained round-robin by its writer in
// batches; a queue over its cap means the peer ignored flow control, and
// its circuit is destroyed. Across the node, queued cells are counted
// against a global cap; over it, the circuits whose oldest queued cell is
// oldest are destroyed first.
//
// The package owns circuit and stream state machines and flow control. It
// does not choose paths, keep guards or decide which circuit serves which
// purpose (the circuit manager does), does not dial (Config.Dial), and
// does not know what a service does. Wire formats are in onion/cell, the
// per-hop handshake in onion/handshake, the layered crypto in
// onion/relaycrypto.
//
// Concurrency: Node, Circuit and Stream are safe for concurrent use.
// Node.Close stops every goroutine the node started.
package circuit
