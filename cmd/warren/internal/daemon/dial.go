package daemon

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// Redial backoff: exponential from dialBackoffMin to dialBackoffMax, with
// full jitter so that many nodes restarting together do not dial in step.
const (
	dialBackoffMin = 500 * time.Millisecond
	dialBackoffMax = 60 * time.Second
	dialTimeout    = 15 * time.Second
	linkPoll       = time.Second
)

// dialer keeps one link to one static peer.
type dialer struct {
	n   *Node
	rec *record.Record

	mu       sync.Mutex
	state    string
	attempts int
	lastErr  string
	next     time.Time
}

func (n *Node) startDialers(context.Context) error {
	n.dialers = newGroup(context.Background())
	for i, raw := range n.cfg.Peers {
		rec, err := record.Unmarshal(raw)
		if err != nil {
			return fmt.Errorf("daemon: peer %d: %w", i+1, err)
		}
		if err := rec.Verify(n.info.NetworkID, n.cfg.Now()); err != nil {
			return fmt.Errorf("daemon: peer %d: %w", i+1, err)
		}
		if rec.NodeID == n.info.NodeID {
			continue
		}
		d := &dialer{n: n, rec: rec, state: "idle"}
		n.statics = append(n.statics, d)
		n.dialers.Go(d.run)
	}
	return nil
}

func (d *dialer) run(ctx context.Context) {
	backoff := dialBackoffMin
	for ctx.Err() == nil {
		if d.n.links.has(d.rec.NodeID) {
			d.set("linked", "", time.Time{})
			backoff = dialBackoffMin
			sleep(ctx, linkPoll)
			continue
		}
		d.set("dialing", "", time.Time{})
		if err := d.dialOnce(ctx); err != nil {
			wait := rand.N(backoff) + dialBackoffMin/2
			d.set("backoff", err.Error(), d.n.cfg.Now().Add(wait))
			d.n.log.Debug("dial failed", "peer", d.rec.NodeID.Short(), "err", err)
			sleep(ctx, wait)
			backoff = min(2*backoff, dialBackoffMax)
		}
	}
}

func (d *dialer) dialOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := d.n.transport.Dial(ctx, d.rec)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	l, err := link.Dial(ctx, conn, d.n.linkCfg, link.Remote{NodeID: d.rec.NodeID, LinkKey: d.rec.LinkKey})
	if err != nil {
		conn.Close()
		return fmt.Errorf("handshake: %w", err)
	}
	d.n.links.add(l, true)
	return nil
}

func (d *dialer) set(state, lastErr string, next time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if state == "dialing" {
		d.attempts++
	}
	d.state, d.next = state, next
	if lastErr != "" || state == "linked" {
		d.lastErr = lastErr
	}
}

func (d *dialer) describe() api.Peer {
	d.mu.Lock()
	defer d.mu.Unlock()
	return api.Peer{
		Peer: d.rec.NodeID.Onion(), PeerShort: d.rec.NodeID.Short(),
		State: d.state, Attempts: d.attempts, LastError: d.lastErr, NextDial: d.next,
	}
}
