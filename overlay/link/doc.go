// Package link is Warren's link layer: an authenticated, encrypted, padded
// Noise session over any net.Conn (TCP on loopback, a Tor onion-service
// stream, net.Pipe in tests).
//
// # What it owns
//
//   - The handshake: Noise_IK_25519_AESGCM_SHA256 when the dialer has a node
//     identity (both sides authenticated), Noise_NK_25519_AESGCM_SHA256 when
//     it has none (an anonymous client: only the responder is
//     authenticated). A responder accepts both. The prologue is
//     "warren-link" || version (uint16, 2) || network ID.
//   - Identity binding: each side's Noise static key is certified by its
//     ed25519 node key (a link certificate in the encrypted handshake
//     payload), checked against the key Noise actually used.
//   - Replay defence for IK message 1 (ReplayGuard): a per-initiator
//     timestamp that must increase, a freshness window (5 min behind our
//     clock, 30 s ahead), a floor that survives restarts, a bounded table
//     that evicts only entries already out of the window (so the floor
//     never rises above now-Window and a flood of throwaway identities
//     cannot lock out known initiators; it can only make newcomers wait
//     while it lasts), and a per-initiator rate limit.
//   - Framing (wire format v2, frame.go): one AEAD per frame. A 4-byte
//     header (type, size class, length) travels masked with a per-direction
//     header-protection key (QUIC-style, the mask computed from the first 16
//     bytes of the sealed body) and is authenticated as the body's
//     additional data; the receiver unmasks and checks it before reading
//     the rest of the body, so nothing is allocated for an invalid header.
//     The body is padded to one of four sizes (FrameSizes: 512 = CellSize,
//     2048, 16384, 65519) and sealed in place; keepalive, rekey and close
//     frames are frames too. Send pads to the smallest class; Recv accepts
//     any class that holds the payload (padding up, e.g. as cover, is
//     allowed). A link keeps cell-sized buffers only; larger frames borrow
//     pooled buffers (bufpool.go).
//   - Node keys: certificates and Remotes with a small-order or
//     non-canonical ed25519 node key are refused (identity.ValidNodeKey).
//   - Deadlines on every I/O, keepalives, rekeying by frame count and time.
//   - Listener: bounds on concurrent handshakes (global, per source) and on
//     the handshake rate per source, for accepting on a public address.
//
// # What it does not do
//
// It does not find peers or decide whom to trust: the caller passes a
// Remote (node ID and link key) taken from a peer record it verified, and
// decides what to do with an accepted anonymous peer. It does not redial,
// multiplex or queue: a Link is one session, and any error ends it for
// good. It does not know about circuits or cells beyond their size.
//
// # I/O and concurrency
//
// Dial and Accept do the handshake I/O on the conn they are given and own
// it from then on (closing it on failure). The handshake logic itself is
// pure step functions (handshake.go) with randomness and time injected
// through Config. A Link is safe for concurrent use by one Recv caller and
// any number of Send/SendBatch callers; it owns one goroutine (keepalive),
// stopped and awaited by Close. A Listener owns its accept loop and one
// goroutine per pending handshake, all awaited by Close. ReplayGuard and
// Config are safe for concurrent use; a Config must not be modified after
// first use.
//
// # Defaults (zero Config fields)
//
//	HandshakeTimeout   10 s   (one round trip; Tor onion-service RTTs reach seconds)
//	KeepaliveInterval  15 s   (send a keepalive after this long without sending)
//	IdleTimeout        45 s   (3 x KeepaliveInterval; Recv fails after this long with nothing)
//	WriteTimeout       30 s
//	RekeyInterval      10 min (sending key rekeyed after this long ...)
//	RekeyMessages      2^20   (... or after this many frames, whichever first)
//	ReplayGuard        10,000 initiators, window -5 min/+30 s, burst 4 then 1/s
//	Listener           512 handshakes, 8 per source, 16 burst then 10/s per source
//
// The wire format, the reasons for these choices and the benchmark figures
// are in docs/link.md.
package link
