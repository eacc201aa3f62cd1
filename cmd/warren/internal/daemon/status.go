package daemon

import (
	"context"
	"encoding/hex"
	"os"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/overlay/record"
)

// recordRefresh is how often the housekeeping loop looks at the record and
// the onion key. The record is re-signed once half its lifetime has passed.
const recordRefresh = time.Minute

// Status implements api.Backend.
func (n *Node) Status() api.Status {
	now := n.cfg.Now()
	st := api.Status{
		NodeID:     n.info.NodeID.Onion(),
		Network:    n.info.NetworkName + " (" + hex.EncodeToString(n.info.NetworkID[:4]) + ")",
		Version:    n.cfg.Version,
		PID:        os.Getpid(),
		StartedAt:  n.started,
		UptimeSec:  now.Sub(n.started).Seconds(),
		Roles:      n.roles().Names(),
		Listen:     n.listen,
		OnionEpoch: n.onionEpoch(),
		Transport:  n.transport.Name(),
		Links:      n.linkStatus(),
		Static:     n.staticStatus(),
		Overlay:    n.overlayStatus(),
	}
	if o, ok := n.transport.(*onionTransport); ok {
		st.Tor = o.status()
	}
	return st
}

func (n *Node) linkStatus() []api.Link {
	links := n.mgr.Links()
	out := make([]api.Link, 0, len(links))
	for _, l := range links {
		d := api.Link{
			Direction: "inbound", Authenticated: l.Authenticated, Static: l.Static, Since: l.Since,
			FramesIn: l.FramesIn, FramesOut: l.FramesOut, LastRecv: l.LastRecv,
			RTTMillis: float64(l.RTT) / 1e6,
		}
		if l.Outbound {
			d.Direction = "outbound"
		}
		if l.Authenticated {
			d.Peer, d.PeerShort = l.NodeID.Onion(), l.NodeID.Short()
		}
		out = append(out, d)
	}
	return out
}

func (n *Node) staticStatus() []api.Peer {
	statics := n.mgr.Statics()
	out := make([]api.Peer, 0, len(statics))
	for _, s := range statics {
		out = append(out, api.Peer{
			Peer: s.NodeID.Onion(), PeerShort: s.NodeID.Short(), State: s.State,
			Attempts: s.Attempts, LastError: s.LastError, NextDial: s.NextDial,
		})
	}
	return out
}

func (n *Node) overlayStatus() *api.Overlay {
	c := n.mgr.Count()
	nw, tried := n.book.Len()
	gs := n.gossip.Stats()
	return &api.Overlay{
		Outbound: c.Outbound, Inbound: c.Inbound, Anonymous: c.Anonymous, Dialing: c.Dialing,
		BookNew: nw, BookTried: tried, Anchors: len(n.book.Anchors()),
		Gossip: gossipCounters(gs),
	}
}

// publishRecord signs a fresh peer record for this node and stores it, so
// that `warren id --record` can hand it to others.
func (n *Node) publishRecord(ctx context.Context) error {
	n.keyMu.Lock()
	rec, err := record.New(n.keys, n.info.NetworkID, n.cfg.Now(), record.Options{
		Roles: n.roles(), Addrs: []record.Addr{n.addr}, Lifetime: n.cfg.RecordLifetime,
	})
	n.keyMu.Unlock()
	if err != nil {
		return err
	}
	raw, err := rec.Marshal()
	if err != nil {
		return err
	}
	if err := n.db.PutMeta(ctx, metaRecord, raw); err != nil {
		return err
	}
	n.recordExpires = rec.Expires()
	if n.gossip != nil {
		return n.gossip.Publish(raw)
	}
	return nil
}

// roles are the roles announced in the record. A record needs at least one:
// a node with no other role (no --relay) is a client, which keeps overlay
// links but answers no CREATE, so no path ever names it.
func (n *Node) roles() record.Roles {
	if n.cfg.Roles == 0 {
		return record.RoleClient
	}
	return n.cfg.Roles
}

// rotateOnion moves to a new circuit onion key when its epoch has ended.
func (n *Node) rotateOnion(ctx context.Context) (bool, error) {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	rotated, err := n.keys.RotateOnion(n.cfg.Rand, n.cfg.Now())
	if err != nil || !rotated {
		return false, err
	}
	return true, n.keys.SaveOnion(ctx, n.vault)
}

// housekeeping rotates the onion key when its epoch ends and re-signs the
// record at half its lifetime.
func (n *Node) housekeeping(ctx context.Context) {
	for sleep(ctx, recordRefresh) {
		rotated, err := n.rotateOnion(ctx)
		if err == nil && (rotated || n.cfg.Now().After(n.recordExpires.Add(-n.cfg.RecordLifetime/2))) {
			err = n.publishRecord(ctx)
		}
		if err != nil {
			n.log.Error("housekeeping failed", "err", err)
		}
	}
}

func (n *Node) onionEpoch() uint32 {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	return n.keys.CurrentOnion().Epoch
}
