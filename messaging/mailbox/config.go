package mailbox

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/warrennet/warren/store"
)

// Defaults for zero Config fields.
const (
	DefaultQueueMsgs     = 1000
	DefaultQueueBytes    = 4 << 20
	DefaultMailboxBytes  = 1 << 30
	DefaultMailboxQueues = 100_000
	DefaultExpiry        = 7 * 24 * time.Hour
	DefaultQueueIdle     = 30 * 24 * time.Hour
	DefaultMaxWaiters    = 4096
	DefaultSweepInterval = time.Minute
	DefaultIdleTimeout   = 2 * time.Minute
	DefaultWriteTimeout  = 30 * time.Second
	DefaultStoreTimeout  = 30 * time.Second
)

// Implementation constants.
const (
	// touchEvery: a fetch restarts its queue's idle clock in the database
	// only if it last did so this long ago, so most fetches need no write
	// (and the stored time says little about when the owner is online).
	touchEvery = time.Hour
	// expiryGrain: expiry times are rounded up to a whole minute, so the
	// stored time does not give a deposit's second.
	expiryGrain = 60
	// maxBatch bounds the deposits committed in one transaction.
	maxBatch = 256
	// maxQueued bounds the deposits waiting for the committer, from all
	// streams (each holds its envelope, ≤ 15.5 KiB: ≤ 64 MiB in all); a
	// stream's next deposit waits for room, which stops its reads and,
	// through the circuit's flow control, its sender.
	maxQueued = 4096
	// sweepBatch bounds the rows one sweep transaction removes.
	sweepBatch = 512
)

// Config configures a Server. The zero value of each field but DB means
// its documented default. New does not retain the Config or modify it.
type Config struct {
	DB     *store.DB
	Now    func() time.Time // nil = time.Now
	Rand   io.Reader        // queue IDs; nil = crypto/rand.Reader
	Logger *slog.Logger     // nil discards; nothing naming a queue above Debug

	QueueMsgs     int   // messages per queue (DefaultQueueMsgs)
	QueueBytes    int64 // envelope bytes per queue (DefaultQueueBytes)
	MailboxBytes  int64 // envelope bytes in the mailbox (DefaultMailboxBytes)
	MailboxQueues int   // queues in the mailbox (DefaultMailboxQueues)

	// Expiry is how long a message (and an acked message's tombstone) is
	// kept after its deposit (DefaultExpiry).
	Expiry time.Duration
	// QueueIdle: a queue not fetched from for this long is deleted
	// (DefaultQueueIdle).
	QueueIdle time.Duration
	// MaxWaiters bounds the long-polling fetches in progress; one more is
	// answered ERROR(unavailable) (DefaultMaxWaiters).
	MaxWaiters int
	// SweepInterval is how often expired rows are removed.
	SweepInterval time.Duration
	// IdleTimeout closes a stream that sends no request for this long
	// (DefaultIdleTimeout); WriteTimeout one that does not read an answer
	// (DefaultWriteTimeout); StoreTimeout bounds one storage operation.
	IdleTimeout, WriteTimeout, StoreTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.DB == nil {
		return c, errors.New("mailbox: Config.DB is nil")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	def(&c.QueueMsgs, DefaultQueueMsgs)
	def(&c.QueueBytes, DefaultQueueBytes)
	def(&c.MailboxBytes, DefaultMailboxBytes)
	def(&c.MailboxQueues, DefaultMailboxQueues)
	def(&c.Expiry, DefaultExpiry)
	def(&c.QueueIdle, DefaultQueueIdle)
	def(&c.MaxWaiters, DefaultMaxWaiters)
	def(&c.SweepInterval, DefaultSweepInterval)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.StoreTimeout, DefaultStoreTimeout)
	return c, nil
}

func def[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

func (c *Config) limits() store.MailboxLimits {
	return store.MailboxLimits{QueueMsgs: c.QueueMsgs, QueueBytes: c.QueueBytes, TotalBytes: c.MailboxBytes}
}
