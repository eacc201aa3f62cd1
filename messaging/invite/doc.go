// Package invite owns Warren's one-time invitations: the short invitation
// a person copies or scans (Invitation, its text form and a terminal QR
// code), the full invitation it points to (Blob, sealed in a mailbox
// queue), and the acceptor's contact request (SealRequest).
//
// # Flow
//
// The inviter makes ratchet.InviteKeys, seals a Blob (the public keys,
// the queues where it receives from this contact, a display name, an
// expiry) with SealBlob under a random Key, deposits it in a fresh
// mailbox queue and shows Invitation{Relay, Queue, Secret, Key, Expires}.
// The acceptor parses the invitation, fetches the blob once with Secret,
// opens it with Key, runs ratchet.Initiate, encrypts a padded
// envelope.Hello as its first message and deposits SealRequest(Key, ...)
// into one of the Blob's queues. The inviter opens it with OpenRequest
// and ratchet.Respond. The invitation names no user node: only a public
// mailbox relay.
//
// # Wire formats (big endian)
//
//	Invitation: version 1 | relay 32 | queue 16 | secret 32 | key 32 |
//	            expires u64 Unix seconds (1..MaxExpiry)        121 bytes
//	text:       "WARREN-INVITE:" base32(invitation | checksum 4)
//	            checksum = SHA-256("warren-invite/1 checksum" | invitation)[:4]
//	            RFC 4648 base32 without padding: 200 characters, 214 in all
//	Blob:       version 1 | InvitePublic 1216 | count u8 (1..4) |
//	            count * (relay 32 | queue 16) | len u8 | name | expires u64
//	request:    version 1 | InitMsg 1120 | first ratchet message (an envelope size)
//	sealed:     nonce 24 | XChaCha20-Poly1305(k, nonce, u16 len | content | zeros)
//	            k = HKDF-SHA256(ikm = Key, salt = none, info = label)[:32]
//	            label "warren-invite/1 blob key" or "warren-invite/1 request key"
//
// A sealed blob or request is exactly one of envelope.Sizes (3,856 bytes
// for both), uniformly random to the mailbox that stores it.
//
// # Not done here
//
// No storage, fetching or depositing, no clock (Expired takes now), no
// enforcement that an invitation is used once (the inviter's store and
// the mailbox's one-fetch queue do that), no authentication of who the
// inviter is beyond possession of the invitation.
//
// The package does no I/O and starts no goroutines; randomness comes in as
// an io.Reader. Functions are safe for concurrent use; the value types
// are safe for concurrent reads.
package invite
