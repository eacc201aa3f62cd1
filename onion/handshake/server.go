package handshake

import (
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flynn/noise"
)

// Server defaults (zero ServerConfig fields).
const (
	// DefaultWindow is how far a client timestamp may be from the relay's
	// clock, either way: clock skew plus the time a CREATE spends on its
	// way through earlier hops.
	DefaultWindow = 5 * time.Minute
	// DefaultMaxEntries caps the replay cache (about 16 MiB when full;
	// see replayCache).
	DefaultMaxEntries = 1 << 18
)

// ServerConfig configures a Server. Zero fields mean the documented
// defaults; NewServer does not modify it.
type ServerConfig struct {
	// NetworkID is mixed into every handshake.
	NetworkID [32]byte
	// Keys returns the relay's X25519 onion private key for an epoch, or
	// ok = false for an epoch it does not hold (never, or no longer). It
	// must be safe for concurrent use; identity.Keyring.OnionByEpoch fits.
	// Required.
	Keys func(epoch uint32) (priv *ecdh.PrivateKey, ok bool)
	// Now is the relay's clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies the cache salt (32 bytes, read by NewServer) and each
	// reply's ephemeral key (32 bytes per Respond); nil means
	// crypto/rand.Reader. Reads are serialised, so any reader will do.
	Rand io.Reader
	// Window is the accepted |now - timestamp|; zero means DefaultWindow.
	Window time.Duration
	// Floor: timestamps at or before it are refused as stale. Set it to the
	// relay's start time (zero means Now() when NewServer runs), so client
	// messages recorded before a restart never work after it.
	Floor time.Time
	// MaxEntries caps the replay cache; zero means DefaultMaxEntries.
	MaxEntries int
}

// Server answers client messages for one relay and keeps its replay
// cache. Safe for concurrent use; the public-key work runs outside its
// lock, which guards only the cache.
type Server struct {
	networkID [32]byte
	keys      func(uint32) (*ecdh.PrivateKey, bool)
	now       func() time.Time
	rand      io.Reader
	window    time.Duration
	cache     replayCache
	counters  [numCounters]atomic.Uint64
}

// Stats counts what a Server did since NewServer. Entries is the replay
// cache's current size; the other fields count Respond outcomes.
type Stats struct {
	Entries    int
	Accepted   uint64
	Malformed  uint64
	UnknownKey uint64
	Decrypt    uint64
	Stale      uint64
	Replays    uint64
	Busy       uint64
}

const (
	cAccepted = iota
	cMalformed
	cUnknownKey
	cDecrypt
	cStale
	cReplay
	cBusy
	numCounters
)

// NewServer checks cfg and returns an empty Server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Keys == nil || cfg.Window < 0 || cfg.MaxEntries < 0 {
		return nil, ErrConfig
	}
	s := &Server{
		networkID: cfg.NetworkID,
		keys:      cfg.Keys,
		now:       cfg.Now,
		rand:      &lockedReader{r: orCrypto(cfg.Rand)},
		window:    cmpOr(cfg.Window, DefaultWindow),
	}
	if s.now == nil {
		s.now = time.Now
	}
	floor := cfg.Floor
	if floor.IsZero() {
		floor = s.now()
	}
	s.cache = replayCache{
		max:    cmpOr(cfg.MaxEntries, DefaultMaxEntries),
		window: int64((s.window + time.Second - 1) / time.Second),
		floor:  floor.Unix(),
	}
	if _, err := io.ReadFull(s.rand, s.cache.salt[:]); err != nil {
		return nil, fmt.Errorf("handshake: reading randomness: %w", err)
	}
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.counters
	return Stats{
		Entries:  s.cache.len(),
		Accepted: c[cAccepted].Load(), Malformed: c[cMalformed].Load(),
		UnknownKey: c[cUnknownKey].Load(), Decrypt: c[cDecrypt].Load(),
		Stale: c[cStale].Load(), Replays: c[cReplay].Load(), Busy: c[cBusy].Load(),
	}
}

// refuse counts err and returns it.
func (s *Server) refuse(err error) ([]byte, []byte, [32]byte, error) {
	switch err {
	case ErrMalformed:
		s.counters[cMalformed].Add(1)
	case ErrUnknownKey:
		s.counters[cUnknownKey].Add(1)
	case ErrDecrypt:
		s.counters[cDecrypt].Add(1)
	case ErrStale:
		s.counters[cStale].Add(1)
	case ErrReplay:
		s.counters[cReplay].Add(1)
	case ErrBusy:
		s.counters[cBusy].Add(1)
	}
	return nil, nil, [32]byte{}, err
}

// Respond answers a ClientMsgLen-byte client message: it returns the
// ServerMsgLen-byte reply for the CREATED or EXTENDED cell, keyLen bytes
// of relay key material (1 to MaxKeyLen) and the handshake hash. The
// checks run in this order, cheapest first, and the first failure is
// returned: length (ErrMalformed), epoch (ErrUnknownKey), Noise message 1
// (ErrDecrypt), timestamp window and floor (ErrStale), replay cache
// (ErrReplay, ErrBusy). A message is recorded in the cache only once it
// passed all the others, and before the reply is made.
func (s *Server) Respond(clientMsg []byte, keyLen int) (serverMsg, keys []byte, binding [32]byte, err error) {
	if !validKeyLen(keyLen) {
		return nil, nil, [32]byte{}, ErrConfig
	}
	if len(clientMsg) != ClientMsgLen {
		return s.refuse(ErrMalformed)
	}
	epoch := binary.BigEndian.Uint32(clientMsg)
	priv, ok := s.keys(epoch)
	if !ok || priv == nil || priv.Curve() != ecdh.X25519() {
		return s.refuse(ErrUnknownKey)
	}
	hs, dh, err := newNoise(s.networkID, epoch, false, nil, priv, s.rand)
	if err != nil {
		return nil, nil, [32]byte{}, fmt.Errorf("handshake: %w", err) // unreachable: NK with a static key
	}
	defer dh.wipe()
	if err := s.read1(hs, epoch, clientMsg[4:]); err != nil {
		return s.refuse(err)
	}
	return s.write2(hs, keyLen)
}

// read1 reads Noise message 1 and admits it to the replay cache.
func (s *Server) read1(hs *noise.HandshakeState, epoch uint32, msg []byte) error {
	var buf [tsLen]byte
	payload, _, _, err := hs.ReadMessage(buf[:0], msg)
	if err != nil || len(payload) != tsLen {
		return ErrDecrypt
	}
	now := s.now()
	ts, ok := s.fresh(binary.BigEndian.Uint64(payload), now)
	if !ok {
		return ErrStale
	}
	return s.cache.admit(s.cache.key(epoch, hs.PeerEphemeral()), ts, now.Unix())
}

// maxTimestamp bounds the timestamps converted to time.Time (year 36812).
const maxTimestamp = 1 << 40

// fresh reports whether ts (unix seconds) is within the window around now.
func (s *Server) fresh(ts uint64, now time.Time) (int64, bool) {
	if ts > maxTimestamp {
		return 0, false
	}
	d := now.Sub(time.Unix(int64(ts), 0))
	return int64(ts), d <= s.window && d >= -s.window
}

// write2 makes message 2 and derives the keys.
func (s *Server) write2(hs *noise.HandshakeState, keyLen int) ([]byte, []byte, [32]byte, error) {
	msg, cs1, cs2, err := hs.WriteMessage(make([]byte, 0, ServerMsgLen), nil)
	if err != nil {
		return nil, nil, [32]byte{}, fmt.Errorf("handshake: reading randomness: %w", err)
	}
	keys, binding, err := derive(hs, cs1, cs2, keyLen)
	if err != nil {
		return nil, nil, [32]byte{}, err
	}
	s.counters[cAccepted].Add(1)
	return msg, keys, binding, nil
}

// lockedReader serialises reads, so a Server may share one reader between
// concurrent Responds.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
