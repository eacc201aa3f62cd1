package service

import (
	"errors"
	"log/slog"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
)

// ServiceName is the circapi service a validator offers.
const ServiceName = "ledger"

// Purpose kinds of the circuits this package opens.
const (
	// PurposeOrder is a wallet's circuit for one attempt at one order or
	// certificate (each with a fresh random key).
	PurposeOrder = "ledger-order"
	// PurposePeer is a validator's circuit to another validator.
	PurposePeer = "ledger-peer"
)

// Defaults for zero Config and ClientConfig fields.
const (
	DefaultVoteTimeout    = 10 * time.Second
	DefaultGatherTimeout  = 15 * time.Second
	DefaultIdleTimeout    = 30 * time.Second
	DefaultWriteTimeout   = 30 * time.Second
	DefaultAttemptTimeout = 30 * time.Second
	DefaultMaxDelay       = time.Second
	DefaultAttempts       = 4
	// DefaultCatchUpInterval: a lagging validator is at most this late
	// learning of the certificates it missed.
	DefaultCatchUpInterval = 30 * time.Second
	// DefaultMaxGathers: fan-outs a validator runs at once (each holds n
	// streams to its peers for at most VoteTimeout).
	DefaultMaxGathers = 256
	// catchUpPages bounds one round's pages per peer (feedPages × up to
	// 255 certificates).
	catchUpPages = 64
)

// Cursors stores a position per peer's feed. Implementations must be
// safe for concurrent use.
type Cursors interface {
	Load(peer int) (uint64, error)
	Save(peer int, pos uint64) error
}

// Errors callers branch on. They never hold IDs, keys or addresses.
var (
	// ErrRejected: the validators judge the order (or certificate)
	// invalid; sending it again will not help.
	ErrRejected = errors.New("ledger/service: rejected by the validators")
	// ErrNoQuorum: no attempt reached a quorum of validators, nor enough
	// refusals to settle the order; try again later with the same bytes.
	ErrNoQuorum = errors.New("ledger/service: no quorum of validators reachable")
	// ErrUnavailable: one validator could not answer.
	ErrUnavailable = errors.New("ledger/service: validator unavailable")
	// ErrProtocol: a validator's answer broke the protocol.
	ErrProtocol = errors.New("ledger/service: validator broke the protocol")
	// ErrClosed: the server is closed.
	ErrClosed = errors.New("ledger/service: closed")
)

// Config configures a Server. New does not modify it.
type Config struct {
	// Validator is this node's validator; Committee and Network are its.
	Validator *ledger.Validator
	Committee *ledger.Committee
	Network   ledger.NetworkID
	// Peers reaches the other validators; nil only when Committee.N() is 1.
	Peers Peers
	// VoteTimeout bounds one peer's answer; GatherTimeout bounds a SUBMIT
	// or CERT as a whole (answer with what arrived by then); IdleTimeout
	// closes a stream that sends nothing; WriteTimeout one answer.
	VoteTimeout, GatherTimeout, IdleTimeout, WriteTimeout time.Duration
	// CatchUpInterval is how often the server reads its peers' feeds and
	// applies the certificates it missed (while it was down, or cut off);
	// 0 means DefaultCatchUpInterval, negative never. The first round
	// starts at once.
	CatchUpInterval time.Duration
	// MaxGathers bounds the SUBMIT and CERT fan-outs running at once
	// (each asks every other validator); more are answered "unavailable"
	// (the wallet retries elsewhere). 0 means DefaultMaxGathers.
	MaxGathers int
	// Cursors keeps where the server stopped reading each peer's feed
	// across restarts; nil keeps them in memory (a restart reads every
	// peer's feed again from the start: only digests are looked up for
	// certificates already applied, nothing is verified twice).
	Cursors Cursors
	// Logger gets Debug records only; nil discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Validator == nil || c.Committee == nil || (c.Peers == nil && c.Committee.N() > 1) {
		return c, errors.New("ledger/service: Config needs Validator, Committee and Peers")
	}
	def(&c.VoteTimeout, DefaultVoteTimeout)
	def(&c.GatherTimeout, DefaultGatherTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.CatchUpInterval, DefaultCatchUpInterval)
	def(&c.MaxGathers, DefaultMaxGathers)
	if c.Cursors == nil {
		c.Cursors = &memCursors{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func def[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Stats are a Server's counters since New.
type Stats struct {
	Submits, VoteRequests, Certs, Applies uint64
	Quorums                               uint64 // SUBMITs answered with a quorum of votes
	NoQuorums                             uint64 // SUBMITs answered without one (refused, timed out, rejected)
	Malformed                             uint64 // frames refused; each closed its stream
	Feeds                                 uint64 // FEED requests answered
	CaughtUp                              uint64 // certificates read from peers' feeds and handled
	BadFeedCerts                          uint64 // certificates in peers' feeds that did not verify
	Busy                                  uint64 // SUBMITs and CERTs refused: MaxGathers fan-outs were running
}
