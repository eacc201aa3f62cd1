package peers

import (
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// LinkInfo describes one established link.
type LinkInfo struct {
	NodeID        identity.NodeID // zero if anonymous
	Authenticated bool
	Outbound      bool
	Static        bool
	Since         time.Time
	LastRecv      time.Time
	RTT           time.Duration // 0 until the first PONG
	FramesIn      uint64
	FramesOut     uint64
}

// StaticInfo describes a static peer's dialer.
type StaticInfo struct {
	NodeID    identity.NodeID
	State     string // idle, dialing, linked, backoff
	Attempts  int
	LastError string
	NextDial  time.Time
}

// Links describes every established link.
func (m *Manager) Links() []LinkInfo {
	ps := m.links.all()
	sortBySince(ps)
	out := make([]LinkInfo, 0, len(ps))
	for _, p := range ps {
		li := LinkInfo{
			NodeID: p.id, Authenticated: p.auth, Outbound: p.outbound, Static: p.static,
			Since: p.since, LastRecv: time.Unix(0, p.lastRecv.Load()), RTT: time.Duration(p.rtt.Load()),
		}
		if s, ok := p.c.(statser); ok {
			st := s.Stats()
			li.FramesIn, li.FramesOut = st.RecvFrames, st.SentFrames
		}
		out = append(out, li)
	}
	return out
}

// Statics describes the static peers' dialers.
func (m *Manager) Statics() []StaticInfo {
	out := make([]StaticInfo, 0, len(m.statics))
	for _, s := range m.statics {
		out = append(out, s.info())
	}
	return out
}

// Counts is a summary of the links.
type Counts struct {
	Outbound, Inbound, Anonymous, Dialing int
}

// Count summarises the links.
func (m *Manager) Count() Counts {
	var c Counts
	for _, p := range m.links.all() {
		switch {
		case !p.auth:
			c.Anonymous++
		case p.outbound:
			c.Outbound++
		default:
			c.Inbound++
		}
	}
	c.Dialing = m.inFlight()
	return c
}
