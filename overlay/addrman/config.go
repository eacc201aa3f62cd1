package addrman

import (
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// Default table sizes for zero Config fields.
const (
	DefaultNewBuckets    = 1024
	DefaultTriedBuckets  = 256
	DefaultBucketSize    = 64
	DefaultSourceBuckets = 16
	// DefaultBucketCap is the most new-table entries one source can hold
	// with the default sizes (DefaultSourceBuckets * DefaultBucketSize).
	DefaultBucketCap = DefaultSourceBuckets * DefaultBucketSize
	// DefaultMaxEntries is the most entries a Book with the default sizes
	// holds: (DefaultNewBuckets + DefaultTriedBuckets) * DefaultBucketSize.
	DefaultMaxEntries = (DefaultNewBuckets + DefaultTriedBuckets) * DefaultBucketSize
)

// Implementation bounds and timings.
const (
	// MaxBans is the size of the ban list; banning one more node drops the
	// oldest ban (expired bans go first).
	MaxBans = 4096
	// MaxCollisions bounds the pending test-before-evict collisions; a Good
	// that would add one more leaves the newcomer in the new table.
	MaxCollisions = 16
	// TestWindow is how long a collision waits for its tried occupant to be
	// reached before the newcomer takes the slot anyway.
	TestWindow = 40 * time.Minute
	// DialGrace is how long after an Attempt the occupant of a collision
	// may still succeed before the attempt counts as a failure. Onion
	// dials are slow (tor's SocksTimeout is two minutes).
	DialGrace = 2 * time.Minute

	maxBuckets    = 1 << 16
	maxBucketSize = 1 << 10
	maxSlots      = 1 << 22
)

// ErrConfig is returned by New for an invalid Config.
var ErrConfig = errors.New("addrman: invalid config")

// Config configures New. Zero size fields mean the defaults above. New does
// not retain or modify the Config itself.
type Config struct {
	// Key is the secret bucketing key. Generate it once from crypto/rand
	// and persist it: entries loaded under another key land elsewhere. The
	// zero key is refused.
	Key [32]byte
	// Self is this node's ID; records of it are never added (AddSelf).
	Self identity.NodeID
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand drives selection and sampling; nil means a ChaCha8 generator
	// seeded from crypto/rand. The Book calls it only under its mutex, so
	// it need not be safe for concurrent use, but it must not be shared.
	Rand *mrand.Rand

	NewBuckets    int // 0 = DefaultNewBuckets; at most 65,536
	TriedBuckets  int // 0 = DefaultTriedBuckets; at most 65,536
	BucketSize    int // 0 = DefaultBucketSize; at most 1,024
	SourceBuckets int // 0 = DefaultSourceBuckets; at most NewBuckets
}

// withDefaults returns c with defaults filled and checks the sizes.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.NewBuckets, DefaultNewBuckets)
	def(&c.TriedBuckets, DefaultTriedBuckets)
	def(&c.BucketSize, DefaultBucketSize)
	def(&c.SourceBuckets, DefaultSourceBuckets)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		var seed [32]byte
		rand.Read(seed[:]) //nolint:errcheck // never fails (Go 1.24+)
		c.Rand = mrand.New(mrand.NewChaCha8(seed))
	}
	return c, c.check()
}

func (c *Config) check() error {
	switch {
	case c.Key == [32]byte{}:
		return fmt.Errorf("%w: zero bucketing key", ErrConfig)
	case c.NewBuckets < 1 || c.NewBuckets > maxBuckets,
		c.TriedBuckets < 1 || c.TriedBuckets > maxBuckets:
		return fmt.Errorf("%w: bucket count out of range", ErrConfig)
	case c.BucketSize < 1 || c.BucketSize > maxBucketSize:
		return fmt.Errorf("%w: bucket size out of range", ErrConfig)
	case c.SourceBuckets < 1 || c.SourceBuckets > c.NewBuckets:
		return fmt.Errorf("%w: source buckets out of range", ErrConfig)
	case (c.NewBuckets+c.TriedBuckets)*c.BucketSize > maxSlots:
		return fmt.Errorf("%w: tables too large", ErrConfig)
	}
	return nil
}
