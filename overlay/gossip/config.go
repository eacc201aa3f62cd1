package gossip

import (
	"log/slog"
	mrand "math/rand/v2"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Verdict is what the address book did with a verified record.
type Verdict int

// Verdicts. Any other value is treated as Stale.
const (
	// Stale: the book holds the same or a newer record of that node; the
	// record is not forwarded.
	Stale Verdict = iota
	// Stored: the book keeps the record; it is forwarded.
	Stored
	// NotStored: the record is valid and news, but the book had no room;
	// it is still forwarded.
	NotStored
)

// Book is the address book as gossip sees it. It must be safe for
// concurrent use: Offer is called from every peer's Handle, Sample from
// every peer's flusher.
type Book interface {
	// Offer gives the book a verified record, its raw encoding (the
	// engine's own copy, never modified afterwards: the book may keep it)
	// and the node it came from (Config.Self for Publish).
	Offer(rec *record.Record, raw []byte, source identity.NodeID) Verdict
	// Sample returns up to n raw live records, chosen at random, in a new
	// slice the engine may reorder (the records themselves it never
	// modifies).
	Sample(n int) [][]byte
}

// Sender sends one link message to a peer. *link.Link satisfies it. Send
// may block on a slow peer (only that peer's flusher waits), must not keep
// p after it returns, and a non-nil error means the link is gone: the
// engine stops sending to that peer.
type Sender interface {
	Send(p []byte) error
}

// Config configures an Engine. Zero limits mean the defaults listed in the
// package documentation; negative ones are treated as zero, except
// RequestOnAttach. New does not modify the Config.
type Config struct {
	// NetworkID is the network records must be signed for.
	NetworkID [32]byte
	// Self is this node's ID: Publish accepts only its records.
	Self identity.NodeID
	// Book is the address book (required).
	Book Book
	// Now is the wall clock records are verified against (nil: time.Now).
	Now func() time.Time
	// Rand seeds each peer's flush jitter (nil: a ChaCha8 generator with a
	// random seed). The engine uses it only in Attach, under its lock; a
	// seeded one makes a run reproducible.
	Rand *mrand.Rand
	// Logger gets Debug events per peer (nil: discard).
	Logger *slog.Logger
	// Verify parses and verifies one raw record (nil: record.Unmarshal,
	// then Verify(NetworkID, Now())). A simulation may pass a memoised one.
	Verify func(raw []byte) (*record.Record, error)

	SeenCacheSize   int           // hashes of records seen, in two generations
	PushRate        int           // records/s a peer may push us, and we push it
	PushBurst       int           // depth of the receive bucket (the send bucket is half)
	QueueLen        int           // records queued per peer; the oldest is dropped
	FlushInterval   time.Duration // mean time between flushes of a peer's queue
	RequestOnAttach int           // records to ask a new peer for (<0: none; capped at wire.MaxRequest)
	RequestInterval time.Duration // a peer may send GET_RECORDS once per this
	FloodLimit      int           // rate-limited drops per FloodWindow before disconnecting
	FloodWindow     time.Duration
}

// Defaults for zero Config fields.
const (
	DefaultSeenCacheSize   = 16384
	DefaultPushRate        = 100
	DefaultPushBurst       = 1000
	DefaultQueueLen        = 4096
	DefaultFlushInterval   = time.Second
	DefaultRequestOnAttach = wire.MaxRequest
	DefaultRequestInterval = 10 * time.Minute
	DefaultFloodLimit      = 1000
	DefaultFloodWindow     = time.Minute
)

// withDefaults returns c with every zero limit set.
func (c Config) withDefaults() Config {
	orInt(&c.SeenCacheSize, DefaultSeenCacheSize)
	orInt(&c.PushRate, DefaultPushRate)
	orInt(&c.PushBurst, DefaultPushBurst)
	orInt(&c.QueueLen, DefaultQueueLen)
	orInt(&c.FloodLimit, DefaultFloodLimit)
	orDur(&c.FlushInterval, DefaultFlushInterval)
	orDur(&c.RequestInterval, DefaultRequestInterval)
	orDur(&c.FloodWindow, DefaultFloodWindow)
	if c.RequestOnAttach == 0 {
		c.RequestOnAttach = DefaultRequestOnAttach
	}
	c.RequestOnAttach = min(c.RequestOnAttach, wire.MaxRequest)
	c.SeenCacheSize = max(c.SeenCacheSize, 2)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Verify == nil {
		c.Verify = defaultVerify(c.NetworkID, c.Now)
	}
	return c
}

func orInt(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}

func orDur(v *time.Duration, def time.Duration) {
	if *v <= 0 {
		*v = def
	}
}

func defaultVerify(networkID [32]byte, now func() time.Time) func([]byte) (*record.Record, error) {
	return func(raw []byte) (*record.Record, error) {
		r, err := record.Unmarshal(raw)
		if err != nil {
			return nil, err
		}
		if err := r.Verify(networkID, now()); err != nil {
			return nil, err
		}
		return r, nil
	}
}
