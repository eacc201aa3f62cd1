// Package mailbox is the mailbox service a relay runs for users who are
// offline (issue 6, "Mailboxes"), and its client. A user keeps one queue
// per contact on each of its mailboxes; the contact deposits sealed
// envelopes into it through a circuit, and the owner fetches (or long-polls)
// and acks through its own circuits. The frames are in mailbox/wire.
//
// # What the mailbox knows
//
// Nothing in the protocol names a person or a node: a queue is 16 random
// bytes the mailbox chose, a capability is a 32-byte secret the owner
// chose, of which the mailbox stores only SHA-256 (it sees the secret on
// each fetch, ack and delete, and forgets it). Depositing needs only the
// queue ID, which the owner gives to the one contact; fetching, acking
// and deleting need the secret. A wrong secret is answered exactly as a
// missing queue (ErrNoQueue), compared in constant time. The store holds
// only queue IDs, secret hashes, message IDs, envelopes (ciphertext), row
// counters and times in Unix seconds: a message's expiry (rounded up to a
// whole minute) and its queue's last fetch (updated at most hourly). Logs
// above Debug name no queue, secret or envelope. Frames are padded to whole
// cells (wire), so a circuit observer learns a frame's size in cells
// (deposits are 2, 8 or 32 cells, as envelope.Sizes promise).
//
// # Semantics
//
// A message's ID is the first 16 bytes of SHA-256 of its envelope
// (MsgIDOf). Depositing bytes a queue already holds is answered OK and
// stores nothing; so is depositing bytes the owner has acked, for as long
// as the message would have lived (a tombstone of the ID is kept until its
// expiry). With the client inbox's own deduplication this gives "exactly
// once" across retries, circuits and mailbox restarts. A deposit is
// answered OK only after its transaction committed with synchronous=FULL:
// a restart loses nothing a mailbox acknowledged. Deposits and acks go
// through one committer: those that arrive while a transaction commits
// share the next one (group commit), and the deposits a client pipelines on
// one stream are handed to it as they are read, answered in order.
// FETCHACK acks (durably) and then fetches, in one round trip.
//
// Quotas (Config): messages and bytes per queue, bytes and queues per
// mailbox; a deposit over one is ERROR(queue full or mailbox full), a
// duplicate never is. Messages and tombstones expire Expiry after deposit
// (7 days; hidden at once, removed by the sweeper every SweepInterval);
// a queue not fetched from for QueueIdle (30 days) is deleted with its
// messages. FETCH returns the oldest messages, as many whole ones as fit one
// frame (four of the largest envelopes, 68 of the smallest) and at most the
// asked maximum. With a wait and an empty queue the mailbox holds the
// answer until a deposit lands in that queue, the wait (at most 60 s) ends,
// the client sends anything else (the empty answer comes first) or hangs
// up; at most MaxWaiters fetches wait at once, more are ERROR(unavailable).
//
// Each stream carries any number of requests, answered in order. A
// malformed frame (bad length, type, field, padding; a frame cut short) is
// counted, answered ERROR(malformed) if the peer still reads, and ends the
// stream. Every read is bounded before allocating (wire.MaxRequestFrame);
// a stream idle for IdleTimeout, or that does not read an answer within
// WriteTimeout, is closed.
//
// # Concurrency and shutdown
//
// Server and Client are safe for concurrent use. A Server owns a
// committer goroutine, a sweeper goroutine and, per stream in Handle, one
// reader goroutine. Close cancels storage operations, wakes waiting
// fetches, closes every stream being served, then waits for the handlers
// and both workers; it does not close the store. A Client serialises its
// calls on its one stream; see Client for which errors end it.
//
// It does not choose mailboxes, replicate across them, retry, or know who
// a queue belongs to: that is the outbox's and inbox's job.
package mailbox
