// Package gossip spreads signed peer records through the overlay: each node
// pushes the records it learns to its link peers, asks a new peer for a
// sample of its address book, and answers such requests.
//
// # What it owns
//
// The dissemination of signed public records: which records to forward and
// to whom (every attached peer but the one it came from and the record's
// own node, and only records the Book found new), deduplication (a bounded
// cache of hashes of the raw bytes, checked before any signature work),
// verification of every record before it is believed or forwarded (once per
// record per node), per-peer rate limits in both directions, bounded
// per-peer queues, and the rules of the exchange: what is a protocol
// violation that must close the link. The wire format is package
// gossip/wire.
//
// # What it does not do
//
// It does not store records or decide which to keep (the Book does: an
// address book with its buckets and eviction lives above), dial or pick
// peers (the connection manager does), or touch the network: messages come
// in through Peer.Handle and leave through a Sender. It carries only public
// data that is already signed by its subject (peer records today; later
// issues may reuse it for other public records). It must never carry
// anything that links a user to a node: no client identities, mailboxes,
// subscriptions, or which peer asked for what.
//
// # Rules (what Handle returns an error for)
//
// A malformed message (bad framing, unknown type, bad flags), a
// RECORDS_REPLY we did not ask for or carrying more records than we asked
// for, a second GET_RECORDS within RequestInterval, and more than
// FloodLimit pushed records dropped for rate within FloodWindow. The peer
// is then detached and the caller closes the link. A record that is
// malformed, expired, not yet valid, badly signed, of another network or a
// duplicate inside a well-formed message is only dropped and counted: such
// records cost a verification at most, and the push rate limit already
// bounds how many a peer can make us verify (PushRate per second). A
// message refused whole because a record in it is longer than
// record.MaxSize (wire.ErrOversize: perhaps a later format) is dropped and
// counted, not a violation, and costs its sender one push token.
//
// # Rates
//
// A peer's pushed records pass a token bucket (PushRate per second,
// PushBurst deep); records beyond it are dropped (RateLimited). Our own
// flusher sends a peer at most PushRate records per second from a bucket
// half as deep (PushBurst/2), so an honest node never trips its peer's
// limit even if the network bunches its messages by up to
// PushBurst/2/PushRate seconds (5 s with the defaults). Every node of a
// network must use the same PushRate and PushBurst. Records in replies to
// our own GET_RECORDS bypass the push limit, up to the number we asked for.
// Pushes are batched: a peer's queue is flushed once per FlushInterval
// (jittered to 3/4..5/4 of it), one gossip round per hop.
//
// # Defaults (zero Config fields)
//
//	SeenCacheSize    16384 hashes (two generations of 8192)
//	PushRate         100 records/s per peer
//	PushBurst        1000 records
//	QueueLen         4096 records per peer (oldest dropped first)
//	FlushInterval    1 s
//	RequestOnAttach  1000 records (wire.MaxRequest); negative: never ask
//	RequestInterval  10 min
//	FloodLimit       1000 records dropped for rate
//	FloodWindow      1 min
//
// # I/O, time and concurrency
//
// No network I/O of its own. Each attached peer has one goroutine (its
// flusher) that does all sending to that peer, so a slow peer blocks only
// itself; Handle never sends and never waits on a peer. Goroutines are
// owned by the Engine and stopped by Detach or Close, which wait for them.
// Timers come from package time and rates are measured with time.Now, so
// the engine runs under testing/synctest's fake clock; Config.Now is the
// wall clock that records are verified against. Randomness (flush jitter)
// comes from Config.Rand, so a seeded run is reproducible. Engine and Peer
// are safe for concurrent use; the Book must be too.
package gossip
