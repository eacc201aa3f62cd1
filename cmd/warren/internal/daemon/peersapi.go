package daemon

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// maxBan bounds a ban's length.
const maxBan = 365 * 24 * time.Hour

// Peers implements api.Backend: the address book, with link state.
func (n *Node) Peers() []api.BookEntry {
	state := make(map[identity.NodeID]string)
	for _, l := range n.mgr.Links() {
		if l.Authenticated {
			state[l.NodeID] = map[bool]string{true: "linked-out", false: "linked-in"}[l.Outbound]
		}
	}
	infos := n.book.List()
	out := make([]api.BookEntry, 0, len(infos))
	for _, in := range infos {
		out = append(out, bookEntry(in, state[in.NodeID]))
	}
	return out
}

func bookEntry(in addrman.Info, state string) api.BookEntry {
	if state == "" {
		state = "known"
	}
	e := api.BookEntry{
		Peer: in.NodeID.Onion(), PeerShort: in.NodeID.Short(), Table: "new", State: state,
		Roles: in.Record.Roles.Names(), SourceShort: in.Source.Short(), Attempts: in.Attempts,
		LastTry: in.LastTry, LastSuccess: in.LastSuccess, Issued: in.Record.Issued(), Expires: in.Record.Expires(),
	}
	if in.Tried {
		e.Table = "tried"
	}
	for _, a := range in.Record.Addrs {
		e.Addrs = append(e.Addrs, a.String())
	}
	return e
}

// AddPeer implements api.Backend: a record given by the operator is
// verified like a gossiped one and stored with this node as its source.
func (n *Node) AddPeer(s string) (api.PeerResult, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return api.PeerResult{}, errors.New("the record is not base64url (use the output of warren id --record)")
	}
	rec, err := record.Unmarshal(raw)
	if err == nil {
		err = rec.Verify(n.info.NetworkID, n.cfg.Now())
	}
	if err != nil {
		return api.PeerResult{}, fmt.Errorf("the record does not verify (%w); a record from another network fails as a bad signature", err)
	}
	res := n.book.Add(rec, raw, n.info.NodeID)
	return api.PeerResult{Peer: rec.NodeID.Onion(), Result: res.String()}, nil
}

// BanPeer implements api.Backend.
func (n *Node) BanPeer(peer string, d time.Duration) (api.PeerResult, error) {
	id, err := identity.ParseNodeID(peer)
	if err != nil {
		return api.PeerResult{}, err
	}
	if d <= 0 || d > maxBan {
		return api.PeerResult{}, fmt.Errorf("the ban must last between 1s and %s", maxBan)
	}
	if id == n.info.NodeID {
		return api.PeerResult{}, errors.New("a node cannot ban itself")
	}
	until := n.cfg.Now().Add(d)
	n.mgr.Ban(id, until)
	return api.PeerResult{Peer: id.Onion(), Result: "banned until " + until.UTC().Format(time.RFC3339)}, nil
}

// gossipCounters names the gossip engine's counters for the API.
func gossipCounters(s gossip.Stats) map[string]uint64 {
	return map[string]uint64{
		"received": s.Received, "malformed": s.Malformed, "oversize": s.Oversize, "expired": s.Expired,
		"bad_signature": s.BadSignature, "duplicate": s.Duplicate, "stale": s.Stale, "stored": s.Stored,
		"not_stored": s.NotStored, "forwarded": s.Forwarded, "sent": s.Sent, "rate_limited": s.RateLimited,
		"queue_dropped": s.QueueDropped, "disconnected": s.Disconnected, "requests": s.Requests, "replies": s.Replies,
	}
}
