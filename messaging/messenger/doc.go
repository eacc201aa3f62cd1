// Package messenger is one user's private messaging: contacts made through
// one-time invitations, an outbox that delivers through mailboxes until
// the contact's receipt arrives, and an inbox that keeps each message
// once. It reaches mailbox relays only through onion/circapi, every kind
// of operation on a circuit of its own purpose: each queue is fetched
// through its own circuit (a mailbox cannot group a user's queues), each
// contact's deposits through another, each invitation and queue creation
// through a fresh one.
//
// # Contacts
//
// Invite makes K queues (one per mailbox relay, default 2) for the future
// contact, a ratchet.InviteKeys, and seals the full invitation (the keys'
// public half, the queues) into a blob queue on the first mailbox; the
// short invitation (invite.Invitation) names that mailbox relay, the blob
// queue and its capability, the blob key and the expiry. Accept fetches
// the blob, deletes its queue (a second use finds nothing), makes the
// acceptor's K queues, runs the hybrid key agreement and queues the
// contact request (invite.SealRequest: the InitMsg and a first ratchet
// message carrying an envelope.Hello with the acceptor's queues). The
// inviter, on the request, answers with the ratchet (ratchet.Respond),
// forgets the invitation keys (a second request is dropped) and sends a
// receipt for it. An invitation nobody accepts is forgotten at expiry.
//
// # Delivery
//
// Send encrypts at once (the ratchet state and the outbox row are written
// in one synchronous=FULL transaction before Send returns: "queued"),
// then a sender per contact deposits its rows in order into one of the
// contact's mailboxes ("sent" when the mailbox acknowledged storing it),
// retrying with exponential backoff and switching mailbox on failure, and
// re-depositing the identical envelope elsewhere when no receipt came
// after ResendAfter (doubling, up to 6 h). The contact's receipt makes it
// "delivered"; GiveUp (7 days) without one makes it "failed".
//
// # Receiving
//
// A fetcher per queue long-polls its mailbox. A batch is processed in one
// transaction: the mailbox message ID (a hash of the envelope) is checked
// against every ID ever processed, the envelope is decrypted, a text is
// stored once by its random ID (sealed), receipts are queued, the ratchet
// state is saved; only then is the batch acknowledged (deleted) at the
// mailbox, in the request that fetches the next batch (FETCHACK: one round
// trip per batch). A crash or a broken stream in between means a re-fetch
// that the seen IDs drop (and acknowledge).
//
// Receipts that are all a contact's sender has to deposit wait up to
// 25 ms (receiptDelay) for the receipts of the next batches, so a busy
// recipient deposits them in one pipelined run.
//
// # Writes
//
// The hot paths' transactions (queueing texts, recording deposits,
// storing a received batch) go through a group writer: writes waiting for
// the database share one transaction and fsync, each in a savepoint of its
// own, and each returns only once that transaction committed. The record
// of a successful deposit (a text "sent", a receipt done) waits for no
// commit: it rides on the next write, or its sender commits it after
// 20 ms without one, and until then the sender skips those rows. Lost in
// a crash, it costs a second deposit of the same envelope, which the
// mailbox answers without storing it; the "sent" event is published at
// once.
//
// # At rest
//
// Contact state (ratchet session, invitation keys, queue capabilities,
// names) and message bodies are sealed with the vault key
// (store.Vault.SealRow). In the clear: random local IDs, states, counts
// and times.
//
// Messenger is safe for concurrent use; Close stops its goroutines and
// waits for them.
package messenger
