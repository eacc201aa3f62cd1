package link

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link/wire"
)

// Defaults for zero Config fields.
const (
	// DefaultHandshakeTimeout bounds a whole handshake (one round trip).
	// Over TCP it takes milliseconds; over a Tor onion-service circuit a
	// round trip is often 1-3 s with tails of several seconds, hence 10 s.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultKeepaliveInterval is how long a link may send nothing before
	// it sends a keepalive frame.
	DefaultKeepaliveInterval = 15 * time.Second
	// DefaultIdleFactor times KeepaliveInterval is the default IdleTimeout:
	// a peer that sent nothing, not even a keepalive, for that long is dead.
	DefaultIdleFactor = 3
	// DefaultWriteTimeout bounds a single write of one or more frames.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultRekeyInterval and DefaultRekeyMessages trigger a rekey of the
	// sending key, whichever comes first.
	DefaultRekeyInterval = 10 * time.Minute
	DefaultRekeyMessages = 1 << 20
)

// Config configures Dial, Accept and Listen. A Config may be shared by any
// number of links and goroutines, but must not be modified or copied after
// its first use: the first use derives and caches the signed link
// certificate (so handshakes never sign) and a timestamp counter in it, as
// crypto/tls does with its Config. The package never modifies the exported
// fields.
type Config struct {
	// NetworkID separates networks: it is in the Noise prologue and in
	// every link certificate.
	NetworkID [32]byte
	// NodeKey is the node's ed25519 identity key. Nil makes an anonymous
	// client: it dials with NK only and cannot accept.
	NodeKey ed25519.PrivateKey
	// LinkKey is the X25519 static key certified by NodeKey. It must be
	// nil exactly when NodeKey is nil.
	LinkKey *ecdh.PrivateKey

	// Timeouts; zero means the documented default, negative is invalid.
	HandshakeTimeout  time.Duration // DefaultHandshakeTimeout
	IdleTimeout       time.Duration // DefaultIdleFactor * KeepaliveInterval; must exceed it
	WriteTimeout      time.Duration // DefaultWriteTimeout
	KeepaliveInterval time.Duration // DefaultKeepaliveInterval
	RekeyInterval     time.Duration // DefaultRekeyInterval
	RekeyMessages     uint64        // DefaultRekeyMessages (frames sent)

	// Rand is the source of ephemeral keys; nil means crypto/rand.
	Rand io.Reader
	// Now is the clock for timestamps, replay checks and rekey-by-time;
	// nil means time.Now. Deadlines on the conn always use the real clock.
	Now func() time.Time
	// Logger receives Debug logs (with addresses) and nothing sensitive
	// above Debug; nil discards.
	Logger *slog.Logger

	once sync.Once
	prep *prepared
	err  error
}

// Remote names the responder a dialer expects, taken from a verified peer
// record. Both fields are required; NodeID must pass identity.ValidNodeKey
// (Dial returns ErrConfig otherwise). The dialer trusts the record for the
// binding of NodeID to LinkKey no more than it must: the handshake still
// checks the responder's certificate for NodeID over LinkKey, and the
// initiator caches DH(link key, LinkKey) only for this pinned key.
type Remote struct {
	NodeID  identity.NodeID
	LinkKey [32]byte
}

// PeerInfo describes the other end of an established link.
type PeerInfo struct {
	// NodeID is the peer's node ID; zero for an anonymous (NK) initiator.
	NodeID identity.NodeID
	// Authenticated reports whether NodeID was proven in the handshake:
	// always for a dialed link, for an accepted link only with IK.
	Authenticated bool
	// LinkKey is the peer's certified static X25519 key (zero if
	// anonymous); the caller may check it against the peer's record.
	LinkKey [32]byte
	// Initiator reports whether we dialed.
	Initiator bool
}

// prepared is the derived, immutable form of a Config plus the timestamp
// counter for its IK message 1s.
type prepared struct {
	networkID              [32]byte
	prologue               []byte
	anonymous              bool
	nodeID                 identity.NodeID
	linkKey                *ecdh.PrivateKey
	linkPriv               []byte // linkKey.Bytes(), once; read-only
	linkPub                [32]byte
	cert                   wire.LinkCert
	handshake, idle, write time.Duration
	keepalive, rekeyEvery  time.Duration
	rekeyMessages          uint64
	rand                   io.Reader
	now                    func() time.Time
	realClock              bool // now is time.Now
	log                    *slog.Logger
	lastTS                 atomic.Uint64
	certs                  *certCache
	ss                     *ssCache
}

// prepare validates c once and caches the result.
func (c *Config) prepare() (*prepared, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil config", ErrConfig)
	}
	c.once.Do(func() { c.prep, c.err = c.build() })
	return c.prep, c.err
}

func (c *Config) build() (*prepared, error) {
	p := &prepared{networkID: c.NetworkID, prologue: prologue(c.NetworkID), rand: c.Rand, now: c.Now, log: c.Logger, certs: new(certCache), ss: new(ssCache)}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if p.now == nil {
		p.now, p.realClock = time.Now, true
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if err := c.buildTimers(p); err != nil {
		return nil, err
	}
	if err := c.buildIdentity(p); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *Config) buildTimers(p *prepared) error {
	for _, d := range []time.Duration{c.HandshakeTimeout, c.IdleTimeout, c.WriteTimeout, c.KeepaliveInterval, c.RekeyInterval} {
		if d < 0 {
			return fmt.Errorf("%w: negative duration", ErrConfig)
		}
	}
	p.handshake = orDefault(c.HandshakeTimeout, DefaultHandshakeTimeout)
	p.write = orDefault(c.WriteTimeout, DefaultWriteTimeout)
	p.keepalive = orDefault(c.KeepaliveInterval, DefaultKeepaliveInterval)
	p.idle = orDefault(c.IdleTimeout, DefaultIdleFactor*p.keepalive)
	p.rekeyEvery = orDefault(c.RekeyInterval, DefaultRekeyInterval)
	p.rekeyMessages = c.RekeyMessages
	if p.rekeyMessages == 0 {
		p.rekeyMessages = DefaultRekeyMessages
	}
	if p.idle <= p.keepalive {
		return fmt.Errorf("%w: IdleTimeout must exceed KeepaliveInterval", ErrConfig)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (c *Config) buildIdentity(p *prepared) error {
	if c.NodeKey == nil && c.LinkKey == nil {
		p.anonymous = true
		return nil
	}
	if len(c.NodeKey) != ed25519.PrivateKeySize || c.LinkKey == nil {
		return fmt.Errorf("%w: NodeKey and LinkKey must both be set or both nil", ErrConfig)
	}
	if c.LinkKey.Curve() != ecdh.X25519() {
		return fmt.Errorf("%w: LinkKey is not X25519", ErrConfig)
	}
	p.linkKey, p.linkPriv = c.LinkKey, c.LinkKey.Bytes()
	copy(p.linkPub[:], c.LinkKey.PublicKey().Bytes())
	copy(p.nodeID[:], c.NodeKey.Public().(ed25519.PublicKey))
	p.cert = signCert(c.NodeKey, c.NetworkID, p.linkPub)
	return nil
}

// timestamp returns a fresh IK timestamp: the clock in unix nanoseconds,
// forced strictly above every timestamp this Config issued before, so two
// dials in the same clock tick never collide at a responder.
func (p *prepared) timestamp() uint64 {
	now := uint64(max(p.now().UnixNano(), 1))
	for {
		last := p.lastTS.Load()
		ts := max(now, last+1)
		if p.lastTS.CompareAndSwap(last, ts) {
			return ts
		}
	}
}
