package service

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// ClientConfig configures a Client. NewClient does not modify it.
type ClientConfig struct {
	Network   ledger.NetworkID
	Committee *ledger.Committee // the pinned committee: votes are verified against it
	// Rand draws the first hop, the delays and the circuit purpose keys;
	// nil = crypto/rand. Reads are serialised by the Client.
	Rand io.Reader
	// MaxDelay: before every attempt (the first included) the client
	// waits a uniformly random delay below MaxDelay, so the moment an
	// order leaves is not the moment it was made. 0 = DefaultMaxDelay;
	// negative = no delay.
	MaxDelay time.Duration
	// Sleep waits d or until ctx ends; nil = a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// AttemptTimeout bounds one attempt (circuit, request, answer); it
	// should exceed the servers' GatherTimeout. Attempts is how many
	// circuits one Submit or Confirm tries at most.
	AttemptTimeout time.Duration
	Attempts       int
	Logger         *slog.Logger // Debug only; nil discards
}

// Client submits orders and certificates through fresh circuits. Safe for
// concurrent use.
type Client struct {
	cfg    ClientConfig
	randMu sync.Mutex
}

// NewClient returns a client for cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Committee == nil {
		return nil, errors.New("ledger/service: ClientConfig needs Committee")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	def(&cfg.AttemptTimeout, DefaultAttemptTimeout)
	def(&cfg.Attempts, DefaultAttempts)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// uint64n draws a uniform value below n (n > 0).
func (c *Client) uint64n(n uint64) (uint64, error) {
	c.randMu.Lock()
	defer c.randMu.Unlock()
	var b [8]byte
	limit := ^uint64(0) - ^uint64(0)%n
	for {
		if _, err := io.ReadFull(c.cfg.Rand, b[:]); err != nil {
			return 0, err
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return v % n, nil
		}
	}
}

// permutation is a uniformly random order of 0..n-1: the first hops.
func (c *Client) permutation(n int) ([]int, error) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j, err := c.uint64n(uint64(i + 1))
		if err != nil {
			return nil, err
		}
		p[i], p[j] = p[j], p[i]
	}
	return p, nil
}

func (c *Client) pause(ctx context.Context) error {
	if c.cfg.MaxDelay < 0 {
		return ctx.Err()
	}
	d, err := c.uint64n(uint64(c.cfg.MaxDelay))
	if err != nil {
		return err
	}
	return c.cfg.Sleep(ctx, time.Duration(d))
}

func (c *Client) newPurpose() (circapi.Purpose, error) {
	c.randMu.Lock()
	defer c.randMu.Unlock()
	key, err := purposeKey(c.cfg.Rand)
	return circapi.Purpose{Kind: PurposeOrder, Key: key, Once: true}, err
}

// judge decides whether a function of one response settles the attempt:
// nil ends the retries, ErrRejected ends them with an error, anything
// else means try again over another circuit.
type judge func(ledgerwire.Response) error

// run sends frame over up to Attempts fresh circuits, each to the next
// validator of a random order, after a random delay, until judge is
// satisfied.
func (c *Client) run(ctx context.Context, d circapi.Dialer, relays []identity.NodeID, frame []byte, ok judge) error {
	if len(relays) == 0 {
		return ErrNoQuorum
	}
	order, err := c.permutation(len(relays))
	if err != nil {
		return err
	}
	last := ErrNoQuorum
	for a := range c.cfg.Attempts {
		if err := c.pause(ctx); err != nil {
			return err
		}
		err := c.attempt(ctx, d, relays[order[a%len(order)]], frame, ok)
		if err == nil || errors.Is(err, ErrRejected) || ctx.Err() != nil {
			return err
		}
		c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "ledger/service: attempt failed; retrying over a new circuit",
			slog.Int("attempt", a+1), slog.String("err", err.Error()))
		last = err
	}
	return fmt.Errorf("%w: %d attempts, last: %w", ErrNoQuorum, c.cfg.Attempts, last)
}

func (c *Client) attempt(ctx context.Context, d circapi.Dialer, relay identity.NodeID, frame []byte, ok judge) error {
	p, err := c.newPurpose()
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	resp, err := roundTrip(actx, d, p, relay, frame)
	if err != nil {
		return err
	}
	return ok(resp)
}

// Submit sends the signed order (wallet.Payment.Signed) through fresh
// circuits until a validator's service returns a quorum of valid votes
// or refusals from more than f validators; it returns them, for
// wallet.Settle. Every attempt sends the identical frame. ErrRejected if
// the validators judge the order invalid; ErrNoQuorum after Attempts
// attempts without a decision (send the same bytes again later).
func (c *Client) Submit(ctx context.Context, d circapi.Dialer, relays []identity.NodeID, signed []byte) ([]*ledger.Vote, []*ledger.Refusal, error) {
	so, err := ledger.UnmarshalSignedOrder(signed)
	if err != nil {
		return nil, nil, errors.Join(ErrRejected, err)
	}
	frame, err := ledgerwire.AppendRequest(nil, ledgerwire.Submit{Order: so})
	if err != nil {
		return nil, nil, errors.Join(ErrRejected, err)
	}
	digest := so.Digest(c.cfg.Network)
	var votes []*ledger.Vote
	var refusals []*ledger.Refusal
	err = c.run(ctx, d, relays, frame, func(r ledgerwire.Response) error {
		var err error
		votes, refusals, err = c.judgeVotes(digest, r)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return votes, refusals, nil
}

// judgeVotes keeps the valid votes for d (one per validator) and the
// refusals of d (one per validator); nil if either settles the order.
func (c *Client) judgeVotes(d ledger.Digest, r ledgerwire.Response) ([]*ledger.Vote, []*ledger.Refusal, error) {
	switch r := r.(type) {
	case ledgerwire.Error:
		return nil, nil, codeErr(r.Code)
	case ledgerwire.Votes:
		com := c.cfg.Committee
		votes, refusals := c.validVotes(d, r.Votes), distinctRefusals(d, r.Refusals)
		if len(votes) >= com.Quorum() || len(refusals) > com.N()-com.Quorum() {
			return votes, refusals, nil
		}
		return nil, nil, ErrNoQuorum
	}
	return nil, nil, ErrProtocol
}

func (c *Client) validVotes(d ledger.Digest, in []*ledger.Vote) []*ledger.Vote {
	seen := map[uint8]bool{}
	var out []*ledger.Vote
	for _, v := range in {
		if v.Digest != d || seen[v.Validator] || c.cfg.Committee.VerifyVote(c.cfg.Network, v) != nil {
			continue
		}
		seen[v.Validator] = true
		out = append(out, v)
	}
	return out
}

func distinctRefusals(d ledger.Digest, in []*ledger.Refusal) []*ledger.Refusal {
	seen := map[uint8]bool{}
	var out []*ledger.Refusal
	for _, rf := range in {
		if rf.Refused == d && !seen[rf.Validator] {
			seen[rf.Validator] = true
			out = append(out, rf)
		}
	}
	return out
}

// Confirm sends cert through fresh circuits until a validator's service
// reports that a quorum of validators has applied it. ErrRejected (with
// ledger.ErrBadCert) if the certificate does not verify; ErrNoQuorum
// after Attempts attempts.
func (c *Client) Confirm(ctx context.Context, d circapi.Dialer, relays []identity.NodeID, cert *ledger.Certificate) error {
	frame, err := ledgerwire.AppendRequest(nil, ledgerwire.Cert{Cert: cert})
	if err != nil {
		return errors.Join(ErrRejected, err)
	}
	return c.run(ctx, d, relays, frame, func(r ledgerwire.Response) error {
		switch r := r.(type) {
		case ledgerwire.OK:
			return nil
		case ledgerwire.Error:
			return codeErr(r.Code)
		}
		return ErrProtocol
	})
}
