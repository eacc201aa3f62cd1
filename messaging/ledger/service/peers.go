package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// Peers reaches the other validators of the committee, by committee
// index. Implementations must return when ctx ends. DialPeers is the one
// over circuits; a daemon may wire another.
type Peers interface {
	// Vote asks validator i for its decision on so: exactly one of a
	// vote, a refusal or an error (wrapping ErrRejected if the validator
	// judged the order invalid).
	Vote(ctx context.Context, i int, so *ledger.SignedOrder) (*ledger.Vote, *ledger.Refusal, error)
	// Apply asks validator i to apply cert; nil once it has.
	Apply(ctx context.Context, i int, cert *ledger.Certificate) error
	// Feed asks validator i for one page of its certificate feed after
	// position after.
	Feed(ctx context.Context, i int, after uint64) (ledgerwire.Certs, error)
}

// DialPeersConfig configures DialPeers. NewDialPeers does not modify it.
type DialPeersConfig struct {
	Dialer circapi.Dialer
	// Relays[i] is the node of committee member i (from the genesis).
	Relays []identity.NodeID
	// Rand draws the circuit purpose key; nil = crypto/rand.
	Rand io.Reader
}

// DialPeers is Peers over circapi: one stream per request, to the ledger
// service of the validator's node, over circuits of purpose PurposePeer
// with one random key for this DialPeers (so the circuit manager may
// reuse them; what they carry names no wallet). Safe for concurrent use.
type DialPeers struct {
	d       circapi.Dialer
	relays  []identity.NodeID
	purpose circapi.Purpose
}

var _ Peers = (*DialPeers)(nil)

// NewDialPeers returns the Peers of cfg.
func NewDialPeers(cfg DialPeersConfig) (*DialPeers, error) {
	if cfg.Dialer == nil || len(cfg.Relays) == 0 {
		return nil, errors.New("ledger/service: DialPeersConfig needs Dialer and Relays")
	}
	key, err := purposeKey(cfg.Rand)
	if err != nil {
		return nil, err
	}
	return &DialPeers{d: cfg.Dialer, relays: append([]identity.NodeID(nil), cfg.Relays...),
		purpose: circapi.Purpose{Kind: PurposePeer, Key: key}}, nil
}

// purposeKey draws a random circuit purpose key (16 bytes, hex).
func purposeKey(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (p *DialPeers) ask(ctx context.Context, i int, req ledgerwire.Request) (ledgerwire.Response, error) {
	if i < 0 || i >= len(p.relays) {
		return nil, ErrUnavailable
	}
	frame, err := ledgerwire.AppendRequest(nil, req)
	if err != nil {
		return nil, err
	}
	return roundTrip(ctx, p.d, p.purpose, p.relays[i], frame)
}

// Vote implements Peers.
func (p *DialPeers) Vote(ctx context.Context, i int, so *ledger.SignedOrder) (*ledger.Vote, *ledger.Refusal, error) {
	resp, err := p.ask(ctx, i, ledgerwire.VoteRequest{Order: so})
	if err != nil {
		return nil, nil, err
	}
	switch r := resp.(type) {
	case ledgerwire.Voted:
		return r.Vote, nil, nil
	case ledgerwire.Refused:
		return nil, r.Refusal, nil
	case ledgerwire.Error:
		return nil, nil, codeErr(r.Code)
	}
	return nil, nil, ErrProtocol
}

// Apply implements Peers.
func (p *DialPeers) Apply(ctx context.Context, i int, cert *ledger.Certificate) error {
	resp, err := p.ask(ctx, i, ledgerwire.Apply{Cert: cert})
	if err != nil {
		return err
	}
	switch r := resp.(type) {
	case ledgerwire.OK:
		return nil
	case ledgerwire.Error:
		return codeErr(r.Code)
	}
	return ErrProtocol
}

// Feed implements Peers.
func (p *DialPeers) Feed(ctx context.Context, i int, after uint64) (ledgerwire.Certs, error) {
	resp, err := p.ask(ctx, i, ledgerwire.Feed{After: after})
	if err != nil {
		return ledgerwire.Certs{}, err
	}
	switch r := resp.(type) {
	case ledgerwire.Certs:
		return r, nil
	case ledgerwire.Error:
		return ledgerwire.Certs{}, codeErr(r.Code)
	}
	return ledgerwire.Certs{}, ErrProtocol
}

// codeErr is the error an ERROR answer stands for.
func codeErr(c ledgerwire.ErrorCode) error {
	switch c {
	case ledgerwire.CodeRejected:
		return ErrRejected
	case ledgerwire.CodeBadCert:
		return errors.Join(ErrRejected, ledger.ErrBadCert)
	case ledgerwire.CodeMalformed:
		return ErrProtocol
	}
	return ErrUnavailable
}
