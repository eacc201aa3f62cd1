package daemon

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/msg"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
	"github.com/warrennet/warren/store"
)

// secretBookKey names the address book's bucketing key in the vault. It is
// a secret: whoever knows it can craft records that land in chosen buckets.
const secretBookKey = "addrman/key"

// startOverlay opens the address book, starts gossip and the connection
// manager, and hands every accepted link to the manager.
func (n *Node) startOverlay(ctx context.Context) error {
	g, err := n.genesis()
	if err != nil {
		return err
	}
	if n.book, err = n.loadBook(ctx); err != nil {
		return err
	}
	n.gossip = gossip.New(gossip.Config{
		NetworkID: n.info.NetworkID, Self: n.info.NodeID, Book: peers.GossipBook(n.book),
		Now: n.cfg.Now, Logger: n.log,
	})
	statics, err := n.staticTargets()
	if err != nil {
		return err
	}
	n.mgr, err = peers.New(peers.Config{
		Self: n.info.NodeID, Book: n.book, Gossip: n.gossip, Dialer: peers.DialerFunc(n.dialPeer),
		Static: statics, Bootstrap: bootstrapTargets(g), OutboundTarget: n.cfg.Overlay.OutboundTarget,
		PingInterval: n.cfg.Overlay.PingInterval, IdleTimeout: n.cfg.Overlay.IdleTimeout,
		Persist: n.saveBook, Now: n.cfg.Now, Logger: n.log,
	})
	if err != nil {
		return err
	}
	n.mgr.Start()
	return n.publish(ctx)
}

// startAccept serves inbound links: each is routed by what it announces.
func (n *Node) startAccept(context.Context) error {
	n.acceptLoop = newGroup(context.Background())
	n.acceptLoop.Go(func(context.Context) { n.accept() })
	return nil
}

func (n *Node) genesis() (*genesis.Genesis, error) {
	if len(n.info.Genesis) == 0 {
		return genesis.Minimal(n.info.NetworkName), nil
	}
	g, err := genesis.ParseFile(n.info.Genesis)
	if err != nil {
		return nil, fmt.Errorf("daemon: stored genesis: %w", err)
	}
	if id, err := g.ID(); err != nil || id != n.info.NetworkID {
		return nil, errors.New("daemon: the stored genesis does not match the node's network ID; the state directory is corrupt")
	}
	return g, nil
}

func bootstrapTargets(g *genesis.Genesis) []peers.Target {
	out := make([]peers.Target, 0, len(g.Bootstrap))
	for _, p := range g.Bootstrap {
		out = append(out, peers.Target{NodeID: p.NodeID, LinkKey: p.LinkKey, Addrs: p.Addrs})
	}
	return out
}

// staticTargets parses the --peer records. Expired ones are skipped with a
// warning; their nodes are found through gossip if they are still up.
func (n *Node) staticTargets() ([]peers.Target, error) {
	var out []peers.Target
	for i, raw := range n.cfg.Peers {
		rec, err := record.Unmarshal(raw)
		if err != nil {
			return nil, fmt.Errorf("daemon: peer %d: %w", i+1, err)
		}
		if err := rec.Verify(n.info.NetworkID, n.cfg.Now()); errors.Is(err, record.ErrExpired) {
			n.log.Warn("skipping an expired peer record; ask the peer for a fresh one (warren id --record)", "peer", i+1)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("daemon: peer %d: %w", i+1, err)
		}
		if rec.NodeID != n.info.NodeID {
			out = append(out, peers.TargetOf(rec))
		}
	}
	return out, nil
}

// accept routes each inbound link until the listener closes.
func (n *Node) accept() {
	for {
		l, err := n.ln.Accept()
		if err != nil {
			if !errors.Is(err, link.ErrClosed) {
				n.log.Error("link listener failed; stopping", "err", err)
				n.Shutdown()
			}
			return
		}
		n.acceptLoop.Go(func(ctx context.Context) { n.route(ctx, l) })
	}
}

// dialPeer opens an overlay link to t (Noise IK, both sides known).
func (n *Node) dialPeer(ctx context.Context, t peers.Target) (peers.Conn, error) {
	l, err := n.dialLink(ctx, t, n.linkCfg, msg.ProtoOverlay)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// loadBook restores the address book and its anchors from the store.
func (n *Node) loadBook(ctx context.Context) (*addrman.Book, error) {
	key, err := n.bookKey(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := n.db.LoadPeers(ctx)
	if err != nil {
		return nil, err
	}
	infos := make([]addrman.Info, 0, len(rows))
	for _, r := range rows {
		if info, ok := infoOfRow(r); ok {
			infos = append(infos, info)
		}
	}
	// Anchors come back with their rows (Info.Anchor).
	book, err := addrman.Load(addrman.Config{Key: key, Self: n.info.NodeID, Now: n.cfg.Now}, infos)
	clear(key[:])
	return book, err
}

func (n *Node) bookKey(ctx context.Context) ([32]byte, error) {
	var key [32]byte
	b, ok, err := n.vault.GetSecret(ctx, secretBookKey)
	if err != nil {
		return key, err
	}
	if ok && len(b) == len(key) {
		copy(key[:], b)
		clear(b)
		return key, nil
	}
	if _, err := rand.Read(key[:]); err != nil {
		return key, err
	}
	return key, n.vault.PutSecret(ctx, secretBookKey, key[:])
}

// saveBook writes the book's changes, anchors included (Config.Persist).
func (n *Node) saveBook(up []addrman.Info, gone []identity.NodeID) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows := make([]store.PeerRow, 0, len(up))
	for _, in := range up {
		rows = append(rows, rowOfInfo(in))
	}
	ids := make([][32]byte, 0, len(gone))
	for _, id := range gone {
		ids = append(ids, id)
	}
	return n.db.SavePeers(ctx, rows, ids)
}

func rowOfInfo(in addrman.Info) store.PeerRow {
	return store.PeerRow{
		NodeID: in.NodeID, Record: in.Raw, Source: in.Source, Tried: in.Tried, Anchor: in.Anchor, Attempts: in.Attempts,
		LastTry: unixNanos(in.LastTry), LastSuccess: unixNanos(in.LastSuccess), LastSeen: unixNanos(in.LastSeen),
		Added: unixNanos(in.Added),
	}
}

// infoOfRow decodes a stored row; a row that no longer decodes is skipped
// (gossip brings the node back if it is alive).
func infoOfRow(r store.PeerRow) (addrman.Info, bool) {
	rec, err := record.Unmarshal(r.Record)
	if err != nil || rec.NodeID != identity.NodeID(r.NodeID) {
		return addrman.Info{}, false
	}
	t := func(ns int64) time.Time {
		if ns == 0 {
			return time.Time{}
		}
		return time.Unix(0, ns)
	}
	return addrman.Info{
		NodeID: rec.NodeID, Record: rec, Raw: r.Record, Source: r.Source, Tried: r.Tried, Anchor: r.Anchor,
		Attempts: r.Attempts, LastTry: t(r.LastTry), LastSuccess: t(r.LastSuccess), LastSeen: t(r.LastSeen), Added: t(r.Added),
	}, true
}

// publish hands our current record to gossip.
func (n *Node) publish(ctx context.Context) error {
	raw, _, err := n.db.GetMeta(ctx, metaRecord)
	if err != nil {
		return err
	}
	return n.gossip.Publish(raw)
}

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
