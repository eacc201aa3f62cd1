// Package envelope owns what goes inside and around a sealed message: the
// padding that makes every ratchet output exactly one of Sizes, and the
// payload codec (Text, Receipt, Hello) of the plaintext a contact sends.
//
// An envelope is the bytes a mailbox stores and a circuit carries. To a
// mailbox it must look like uniformly random bytes of one of Sizes: the
// whole envelope is ratchet output (or, for invitations, an AEAD under a
// key only the two parties know), and nothing outside the ciphertext says
// who sent it (sealed sender). This package makes the plaintext side of
// that true:
//
//	Encode(payload) -> Pad -> ratchet.Session.Encrypt -> len in Sizes
//	ratchet.Session.Decrypt -> Unpad -> Decode -> payload
//
// # Padding
//
//	u16 length (big endian) | payload | zero bytes
//
// The total is the smallest Sizes[i] - ratchet.MinMessageSize that holds
// it (PadFor lets other sealers, such as invitations, name their own
// overhead). Unpad accepts only those totals, a length that fits, and all
// zero padding.
//
// # Payloads
//
// The first byte is the Type; every field has a fixed size or a length
// prefix, big endian; nothing may follow the last field:
//
//	Text    (1): id 16 | seq u64 (>= 1) | sent i64 unix ms | len u16 | body (UTF-8)
//	Receipt (2): count u8 (1..MaxReceiptIDs) | count * id 16 (distinct)
//	Hello   (3): len u8 (<= MaxNameLen) | name (UTF-8) |
//	             count u8 (1..MaxQueues) | count * (relay 32 | queue 16) (distinct)
//	Payment (4): id 16 | len u16 (1..MaxPaymentCert) | certificate (opaque here)
//
// Payload is a sealed interface implemented by the value types Text,
// Receipt, Hello and Payment; Decode returns one of those values.
//
// # Not done here
//
// No encryption (messaging/ratchet), no storage or transport, no
// deduplication by message ID and no ordering by Seq (the inbox does
// that), no rendering: a Text body is valid UTF-8 but may hold control
// characters, which a terminal front end must neutralise (names may not).
//
// The package does no I/O, keeps no state and starts no goroutines; every
// function is safe for concurrent use.
package envelope
