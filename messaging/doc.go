// Package messaging is the root of Warren's user-facing services: private
// messages (invitations, ratchet, envelopes, mailboxes) and, under
// messaging/ledger, anonymous payments.
//
// Nothing lives here yet. Messaging reaches circuits only through a small
// interface that the circuits layer defines; it never imports overlay/link or
// onion/tor. This package does no I/O.
package messaging
