// Package messaging is the root of Warren's user-facing services: private
// messages (invitations, ratchet, envelopes, mailboxes) and, under
// messaging/ledger, anonymous payments.
//
// Packages: messaging/ratchet (the end-to-end session: hybrid X25519 +
// ML-KEM-768 key agreement, Double Ratchet with header encryption),
// messaging/envelope (padded sizes and the payload codec),
// messaging/invite (one-time invitations, blobs, contact requests, QR),
// messaging/mailbox (the mailbox service and its client; wire codec in
// mailbox/wire), messaging/messenger (contacts, outbox, inbox, delivery),
// and messaging/ledger (payments: codecs, validator logic, stealth keys).
// Messaging reaches circuits only through onion/circapi; it never imports
// overlay/link or onion/tor. This package does no I/O.
package messaging
