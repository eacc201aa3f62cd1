package peers

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
)

// Defaults for the zero fields of Config.
const (
	DefaultOutboundTarget = 8
	DefaultMaxInbound     = 256
	DefaultMaxDialing     = 4
	DefaultDialTimeout    = 15 * time.Second
	DefaultBackoffMin     = 500 * time.Millisecond
	DefaultBackoffMax     = 60 * time.Second
	DefaultPingInterval   = 10 * time.Second
	DefaultIdleTimeout    = 45 * time.Second
	DefaultFeelerInterval = 2 * time.Minute
	DefaultTick           = time.Second
	DefaultRotate         = 10 * time.Minute
	DefaultPersist        = 30 * time.Second
	// linkStable is how long a link must live before its node's backoff
	// resets, so a peer that accepts and drops at once is not hammered.
	linkStable = 30 * time.Second
	// maxBackoffEntries bounds the per-node backoff table.
	maxBackoffEntries = 4096
	// protectedInbound is how many of the longest-lived inbound links
	// eviction never picks, so a flood of fresh links cannot displace
	// every established peer.
	protectedInbound = 8
	// numAnchors is how many outbound peers are remembered as anchors.
	numAnchors = 2
)

// Config says how a Manager runs. Book and Dialer are required.
type Config struct {
	Self   identity.NodeID
	Book   *addrman.Book
	Gossip *gossip.Engine // nil: links carry no gossip
	Dialer Dialer
	// Static peers are kept linked always and are exempt from the inbound
	// cap (the operator's --peer list).
	Static []Target
	// Bootstrap peers (from the network genesis) are dialled when the
	// address book cannot fill the outbound target; once linked they are
	// peers like any other.
	Bootstrap []Target

	OutboundTarget int           // outbound links to keep (default 8)
	MaxInbound     int           // inbound links from non-static peers (default 256)
	MaxDialing     int           // dials in flight (default 4)
	DialTimeout    time.Duration // per dial, handshake included (default 15s)
	BackoffMin     time.Duration // first redial delay (default 500ms)
	BackoffMax     time.Duration // largest redial delay (default 60s)
	PingInterval   time.Duration // default 10s
	// IdleTimeout closes a link that received nothing for this long: the
	// bound on noticing a dead peer (default 45s; must exceed PingInterval).
	IdleTimeout    time.Duration
	FeelerInterval time.Duration // test-before-evict probes (default 2min)
	Tick           time.Duration // outbound maintenance period (default 1s)
	// RotateInterval: about this often (jittered), when the outbound
	// target is met, one outbound link that is not an anchor is closed
	// and its slot refilled from the book, so a node's view keeps mixing
	// and two sides of a healed partition find each other (default 10min).
	RotateInterval time.Duration

	// Persist receives the address book's changes every PersistInterval
	// and at Close (nil: not persisted).
	Persist         func(upserts []addrman.Info, removed []identity.NodeID) error
	PersistInterval time.Duration

	Now    func() time.Time
	Rand   *rand.Rand // jitter and eviction choices; nil: a random seed
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Book == nil || c.Dialer == nil {
		return c, errors.New("peers: Config needs Book and Dialer")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.OutboundTarget, DefaultOutboundTarget)
	def(&c.MaxInbound, DefaultMaxInbound)
	def(&c.MaxDialing, DefaultMaxDialing)
	defD(&c.DialTimeout, DefaultDialTimeout)
	defD(&c.BackoffMin, DefaultBackoffMin)
	defD(&c.BackoffMax, DefaultBackoffMax)
	defD(&c.PingInterval, DefaultPingInterval)
	defD(&c.IdleTimeout, DefaultIdleTimeout)
	defD(&c.FeelerInterval, DefaultFeelerInterval)
	defD(&c.Tick, DefaultTick)
	defD(&c.RotateInterval, DefaultRotate)
	defD(&c.PersistInterval, DefaultPersist)
	if c.IdleTimeout <= c.PingInterval {
		return c, errors.New("peers: IdleTimeout must exceed PingInterval")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
