// Package messaging is the root of Warren's user-facing services: private
// messages (invitations, ratchet, envelopes, mailboxes) and, under
// messaging/ledger, anonymous payments.
//
// So far: messaging/ratchet, the end-to-end session (hybrid X25519 +
// ML-KEM-768 key agreement, Double Ratchet with header encryption).
// Messaging reaches circuits only through onion/circapi; it never imports
// overlay/link or onion/tor. This package does no I/O.
package messaging
