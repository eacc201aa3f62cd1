package daemon

import (
	"context"
	"errors"
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
	// linkStable is how long a link must live before the backoff resets.
	linkStable = 30 * time.Second
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
		if err := rec.Verify(n.info.NetworkID, n.cfg.Now()); errors.Is(err, record.ErrExpired) {
			n.log.Warn("skipping an expired peer record; ask the peer for a fresh one (warren id --record)", "peer", i+1)
			continue
		} else if err != nil {
			return fmt.Errorf("daemon: peer %d: %w", i+1, err)
		}
		if rec.NodeID == n.info.NodeID {
			continue
		}
		n.links.addStatic(rec.NodeID)
		d := &dialer{n: n, rec: rec, state: "idle"}
		n.statics = append(n.statics, d)
		n.dialers.Go(d.run)
	}
	return nil
}

// run keeps a link to the peer. The backoff grows with every failed dial
// and with every link that dies young, and resets only once a link has
// lived linkStable, so a peer that accepts and drops at once is not
// hammered.
func (d *dialer) run(ctx context.Context) {
	backoff := dialBackoffMin
	var linkedAt time.Time
	for ctx.Err() == nil {
		if d.n.links.has(d.rec.NodeID) {
			if linkedAt.IsZero() {
				linkedAt = d.n.cfg.Now()
			}
			d.set("linked", "")
			sleep(ctx, linkPoll)
			continue
		}
		if !linkedAt.IsZero() && d.n.cfg.Now().Sub(linkedAt) >= linkStable {
			backoff = dialBackoffMin
		}
		if !linkedAt.IsZero() || d.attemptsSoFar() > 0 {
			d.wait(ctx, backoff)
			backoff = min(2*backoff, dialBackoffMax)
		}
		linkedAt = time.Time{}
		d.set("dialing", "")
		if err := d.dialOnce(ctx); err != nil {
			d.set("backoff", err.Error())
			d.n.log.Debug("dial failed", "peer", d.rec.NodeID.Short(), "err", err)
		}
	}
}

// wait sleeps a random time in [backoff/2, backoff) (jitter).
func (d *dialer) wait(ctx context.Context, backoff time.Duration) {
	w := backoff/2 + rand.N(backoff/2+1)
	d.mu.Lock()
	d.next = d.n.cfg.Now().Add(w)
	d.mu.Unlock()
	sleep(ctx, w)
}

func (d *dialer) attemptsSoFar() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attempts
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

// set records the dialer's state; the next dial time is set by wait and
// cleared here.
func (d *dialer) set(state, lastErr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if state == "dialing" {
		d.attempts++
	}
	d.state, d.next = state, time.Time{}
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
