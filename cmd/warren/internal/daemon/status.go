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
		Links:      n.links.snapshot(),
		Static:     make([]api.Peer, 0, len(n.statics)),
	}
	if o, ok := n.transport.(*onionTransport); ok {
		st.Tor = o.status()
	}
	for _, d := range n.statics {
		st.Static = append(st.Static, d.describe())
	}
	return st
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
	return nil
}

// roles are the roles announced in the record. A record needs at least one;
// every node can at least be a client, so a node without --relay announces
// itself as a relay only when asked; until the overlay issue defines a client
// role, the relay bit stands for "accepts links".
func (n *Node) roles() record.Roles {
	if n.cfg.Roles == 0 {
		return record.RoleRelay
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
