package peers

import (
	"context"
	"errors"
	"time"

	"github.com/warrennet/warren/overlay/msg"
)

// Errors that close a link.
var (
	errUnexpectedPong = errors.New("peers: PONG answers no PING")
	errAnonGossip     = errors.New("peers: gossip from an anonymous link")
	errIdle           = errors.New("peers: link idle too long")
)

// readLoop reads a link until it fails or breaks the protocol: one
// malformed or unexpected message closes the link.
func (m *Manager) readLoop(p *peerLink) {
	defer m.linkDown(p)
	defer close(p.closed)
	defer p.c.Close()
	for {
		b, err := p.c.Recv()
		if err == nil {
			err = m.handle(p, b)
		}
		if err != nil {
			m.log.linkErr(p, err)
			return
		}
	}
}

// isGossip reports whether a message type belongs to overlay/gossip.
func isGossip(t byte) bool { return t >= 0x10 && t <= 0x1f }

func (m *Manager) handle(p *peerLink, b []byte) error {
	now := m.cfg.Now()
	p.lastRecv.Store(now.UnixNano())
	if len(b) > 0 && isGossip(b[0]) {
		if p.gossip == nil {
			return errAnonGossip
		}
		return p.gossip.Handle(b)
	}
	mg, err := msg.Parse(b)
	if err != nil {
		return err
	}
	switch mg.Type {
	case msg.TypePing:
		// The reader never blocks on a send: two readers each waiting
		// for the other's reader to make room would deadlock. The
		// pinger sends the PONG; if PONGs back up, the peer is pinging
		// faster than we answer and the extra ones are dropped.
		select {
		case p.pongs <- mg.Nonce:
		default:
		}
		return nil
	case msg.TypePong:
		return p.pong(mg.Nonce, now)
	}
	return msg.ErrUnknownType
}

func (p *peerLink) pong(nonce uint64, now time.Time) error {
	p.pingMu.Lock()
	defer p.pingMu.Unlock()
	if nonce == p.prevNonce && nonce != 0 {
		return nil // late answer to a PING we stopped waiting for
	}
	if p.pingSent.IsZero() || nonce != p.pingNonce {
		return errUnexpectedPong
	}
	p.rtt.Store(int64(now.Sub(p.pingSent)))
	p.pingSent = time.Time{}
	return nil
}

// pingLoop sends a PING at once and then every PingInterval, and closes
// the link once nothing has arrived for IdleTimeout.
func (m *Manager) pingLoop(ctx context.Context, p *peerLink) {
	for {
		now := m.cfg.Now()
		if now.Sub(time.Unix(0, p.lastRecv.Load())) >= m.cfg.IdleTimeout {
			m.log.linkErr(p, errIdle)
			p.c.Close()
			return
		}
		if !m.sendPing(p, now) {
			return
		}
		if !m.waitPing(ctx, p, min(m.cfg.PingInterval, m.untilIdle(p, now))) {
			return
		}
	}
}

// waitPing answers PINGs until d has passed; false means the link or the
// manager is closing.
func (m *Manager) waitPing(ctx context.Context, p *peerLink, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-p.closed:
			return false
		case nonce := <-p.pongs:
			if p.c.Send(msg.AppendPong(nil, nonce)) != nil {
				return false
			}
		case <-t.C:
			return true
		}
	}
}

func (m *Manager) untilIdle(p *peerLink, now time.Time) time.Duration {
	d := time.Unix(0, p.lastRecv.Load()).Add(m.cfg.IdleTimeout).Sub(now)
	return max(d, time.Millisecond)
}

func (m *Manager) sendPing(p *peerLink, now time.Time) bool {
	p.pingMu.Lock()
	if !p.pingSent.IsZero() {
		p.prevNonce = p.pingNonce
	}
	p.pingNonce, p.pingSent = uint64(m.int63())|1, now
	b := msg.AppendPing(nil, p.pingNonce)
	p.pingMu.Unlock()
	return p.c.Send(b) == nil
}

func (m *Manager) int63() int64 {
	m.randMu.Lock()
	defer m.randMu.Unlock()
	return m.cfg.Rand.Int64()
}
