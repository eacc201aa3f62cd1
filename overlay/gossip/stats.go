package gossip

import "sync/atomic"

// Stats are the engine's counters since New. Records are counted once per
// copy received: Received = RateLimited + Duplicate + Malformed + Expired +
// BadSignature + Stale + Stored + NotStored. Publish counts in none of
// them.
type Stats struct {
	Received     uint64 // records in well-formed RECORDS_PUSH and RECORDS_REPLY messages
	Malformed    uint64 // records that do not parse (record.ErrMalformed, unknown version, ...)
	Oversize     uint64 // messages dropped whole for a record longer than record.MaxSize
	Expired      uint64 // records expired or not yet valid
	BadSignature uint64 // records badly signed, or signed for another network
	Duplicate    uint64 // records whose hash was in the seen cache (not re-verified)
	Stale        uint64 // verified records the Book already had (or newer)
	Stored       uint64 // verified records the Book kept
	NotStored    uint64 // verified, new records the Book had no room for
	Forwarded    uint64 // record copies queued to peers (one per record and peer)
	Sent         uint64 // records sent to peers, in pushes and replies
	RateLimited  uint64 // pushed records dropped by a peer's receive limit
	QueueDropped uint64 // queued records dropped because a peer's queue was full
	Disconnected uint64 // peers detached for a protocol violation or a flood
	Requests     uint64 // GET_RECORDS received and accepted
	Replies      uint64 // RECORDS_REPLY messages received and accepted
}

// counters is Stats, updated atomically.
type counters struct {
	received, malformed, oversize, expired, badSignature, duplicate atomic.Uint64
	stale, stored, notStored, forwarded, sent, rateLimited          atomic.Uint64
	queueDropped, disconnected, requests, replies                   atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Received: c.received.Load(), Malformed: c.malformed.Load(), Oversize: c.oversize.Load(),
		Expired: c.expired.Load(), BadSignature: c.badSignature.Load(), Duplicate: c.duplicate.Load(),
		Stale: c.stale.Load(), Stored: c.stored.Load(), NotStored: c.notStored.Load(),
		Forwarded: c.forwarded.Load(), Sent: c.sent.Load(), RateLimited: c.rateLimited.Load(),
		QueueDropped: c.queueDropped.Load(), Disconnected: c.disconnected.Load(),
		Requests: c.requests.Load(), Replies: c.replies.Load(),
	}
}
