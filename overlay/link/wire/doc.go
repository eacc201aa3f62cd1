// Package wire is the byte-level grammar of Warren links: the cleartext
// envelope around each Noise handshake message, the handshake payloads (link
// certificate, initiator timestamp) and the frame header used after the
// handshake, with the fixed frame sizes and the frame layout (wire format
// v2: a 4-byte masked header, then the sealed body, whose first SampleLen
// bytes the header mask is computed from).
//
// It is a leaf codec: no I/O, no state and no cryptography. Its one import
// from the rest of the repository is identity.ValidNodeKey (a pure table
// lookup), so node keys are checked by the same blocklist everywhere. Every
// decoder checks lengths before it copies anything, rejects trailing bytes
// and non-canonical forms, and returns the zero value together with an
// error on failure, never a half-filled value.
// Sealing, header masking, signing and verifying belong to package link.
//
// All functions and methods are safe for concurrent use; the exported
// FrameSizes and WireSizes arrays are documentation copies and the codec never
// reads them, so a caller that modifies them changes nothing on the wire.
//
// The format is described in docs/link.md.
package wire
