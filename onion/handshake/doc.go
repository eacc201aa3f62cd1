// Package handshake is the per-hop circuit handshake of Warren's onion
// circuits: a client (the circuit's builder) agrees relay keys with one
// relay, authenticating the relay by its circuit onion key and nothing
// about itself. It is Noise_NK_25519_AESGCM_SHA256: one-way authenticated
// to the onion key (X25519, published with its epoch number in the
// relay's signed peer record) and forward secret (the keys depend on an
// ephemeral-ephemeral DH).
//
// # What it owns
//
//   - The two messages and the key derivation, as pure functions and
//     single-use state types: NewClient makes the client message and a
//     pending Client, Server.Respond answers it, Client.Finish reads the
//     answer. Both sides end with the same relay key material (as many
//     bytes as the caller asks, up to MaxKeyLen) and handshake hash.
//   - The relay's replay defence for client messages, which an attacker
//     can record and resend (a CREATE can be replayed by anyone on the
//     path, an EXTEND's payload by the previous hop).
//
// # What it does not do
//
// It knows nothing of cells, circuit IDs, links, relay crypto or peer
// records: the caller puts the messages in CREATE/CREATED and
// EXTEND/EXTENDED cells, takes the onion key and epoch from a peer record
// it verified, and turns the key material into relay crypto. It does no
// I/O and starts no goroutines; randomness (io.Reader) and time are
// injected. A Client is single use and not safe for concurrent use; a
// Server is safe for concurrent use (its public-key work runs outside its
// one lock, which guards the replay cache).
//
// # Messages
//
// Prologue (mixed into the Noise hash, never sent), integers big-endian:
//
//	"warren-circuit" || version uint16 (1) || network ID [32] || epoch uint32
//
// Client message, ClientMsgLen = 60 bytes (CREATE / EXTEND):
//
//	epoch uint32 || e [32] || AESGCM(timestamp uint64, unix seconds) [8+16]
//
// where epoch names the relay onion key the client used (the relay holds
// the current and the previous epoch's key) and e, the sealed timestamp
// are Noise message 1 (-> e, es). The epoch is also in the prologue, so
// changing it never yields a valid message.
//
// Relay message, ServerMsgLen = 48 bytes (CREATED / EXTENDED):
//
//	e [32] || AESGCM(empty) [16]
//
// which is Noise message 2 (<- e, ee). Keys: with k1, k2 the keys of the
// two cipher states of Noise's Split and h the handshake hash,
//
//	keys    = HKDF-SHA256(ikm = k1 || k2, salt = h, info = "warren-circuit/1 relay keys", keyLen)
//	binding = h
//
// A low-order ephemeral key on either side makes crypto/ecdh refuse the
// all-zero DH result, so the handshake fails (ErrDecrypt).
//
// # Replay rules (Server)
//
// Respond checks, in this order: the exact length (ErrMalformed), that the
// epoch's key is held (ErrUnknownKey), Noise message 1 (ErrDecrypt), that
// the timestamp is within Window of the relay's clock either way and after
// Floor (ErrStale), and then the replay cache (ErrReplay). The cache keys
// on (epoch, client ephemeral key), keeps each entry until its timestamp
// leaves the window (ts + Window < now), after which a replay is stale
// anyway, and holds at most MaxEntries entries. When it is full of
// unexpired entries Respond fails closed with ErrBusy: refusing honest
// clients for a while is better than forgetting a message that could be
// replayed. A relay that restarts loses its cache; Floor (default: the
// Server's creation time) makes every message made before the restart
// stale. A message whose client clock ran ahead of the relay's by d
// remains replayable once across a restart within d of its making; set
// Floor later than the start time to close that too, at the cost of
// refusing clients for that long. Filling the cache takes MaxEntries
// valid handshakes within one window (about 870/s sustained for 5 minutes
// with the defaults): the caller rate-limits CREATEs per link.
//
// # The timestamp and clock fingerprinting
//
// The timestamp is sealed to the relay's onion key, so only the hop that
// answers the message sees it, but that hop does see the client's clock
// to the second, on every circuit through it. A client whose clock is
// off by a distinctive amount is recognisable across circuits and
// hops. Clients should send a clock kept close to true time (or rounded,
// within the window), never a raw skewed local clock.
package handshake
