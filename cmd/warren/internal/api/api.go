// Package api is warren's local control API: HTTP and JSON over a Unix
// socket in the node's state directory.
//
// The socket is created with mode 0600 inside a 0700 state directory, so only
// the node's own user can reach it. Nothing here listens on a network
// address. The daemon serves it (Server); the CLI and other local programs
// use it (Client).
//
// The API reports local facts, including the node's own listen address; it
// is not redacted the way logs are, because only the owner can read it.
package api

import "time"

// Version is the API's path prefix. Breaking changes get a new prefix.
const Version = "/v1"

// Status is the daemon's answer to GET /v1/status.
type Status struct {
	NodeID     string    `json:"node_id"`
	Network    string    `json:"network"`
	Version    string    `json:"version"`
	PID        int       `json:"pid"`
	StartedAt  time.Time `json:"started_at"`
	UptimeSec  float64   `json:"uptime_s"`
	Roles      []string  `json:"roles"`
	Listen     string    `json:"listen,omitempty"`
	OnionEpoch uint32    `json:"onion_key_epoch"`
	Transport  string    `json:"transport"`
	Tor        *Tor      `json:"tor,omitempty"`
	Links      []Link    `json:"links"`
	Static     []Peer    `json:"static_peers"`
	Overlay    *Overlay  `json:"overlay,omitempty"`
}

// Link describes one established link.
type Link struct {
	Peer          string    `json:"peer"`
	PeerShort     string    `json:"peer_short"`
	Direction     string    `json:"direction"`
	Authenticated bool      `json:"authenticated"`
	Static        bool      `json:"static,omitempty"`
	Since         time.Time `json:"since"`
	FramesIn      uint64    `json:"frames_in"`
	FramesOut     uint64    `json:"frames_out"`
	LastRecv      time.Time `json:"last_recv,omitzero"`
	RTTMillis     float64   `json:"rtt_ms,omitempty"`
}

// Peer describes a peer the node was told to keep a link to.
type Peer struct {
	Peer      string    `json:"peer"`
	PeerShort string    `json:"peer_short"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	NextDial  time.Time `json:"next_dial,omitzero"`
}

// Error is the body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
}

// Tor describes the node's tor, when it links over onion services.
type Tor struct {
	Mode             string     `json:"mode"`
	PID              int        `json:"pid,omitempty"`
	Running          bool       `json:"running"`
	Version          string     `json:"version"`
	VersionStatus    string     `json:"version_status"`
	Bootstrap        int        `json:"bootstrap_percent"`
	BootstrapSummary string     `json:"bootstrap_summary,omitempty"`
	Onion            string     `json:"onion,omitempty"`
	Reachable        bool       `json:"reachable"`
	LastProbe        time.Time  `json:"last_probe,omitzero"`
	LastSuccess      time.Time  `json:"last_success,omitzero"`
	Restarts         int        `json:"restarts"`
	Events           []TorEvent `json:"events,omitempty"`
}

// TorEvent is one action of the reachability watchdog.
type TorEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	Error  string    `json:"error,omitempty"`
}

// Overlay summarises the connection manager, the address book and gossip.
type Overlay struct {
	Outbound  int `json:"outbound"`
	Inbound   int `json:"inbound"`
	Anonymous int `json:"anonymous"`
	Dialing   int `json:"dialing"`
	BookNew   int `json:"book_new"`
	BookTried int `json:"book_tried"`
	Anchors   int `json:"anchors"`
	// Gossip holds the gossip engine's counters by name.
	Gossip map[string]uint64 `json:"gossip"`
}

// BookEntry is one node in the address book.
type BookEntry struct {
	Peer        string    `json:"peer"`
	PeerShort   string    `json:"peer_short"`
	Table       string    `json:"table"` // new or tried
	State       string    `json:"state"` // linked-out, linked-in, known
	Roles       []string  `json:"roles"`
	Addrs       []string  `json:"addrs"`
	SourceShort string    `json:"source_short"`
	Attempts    int       `json:"attempts"`
	LastTry     time.Time `json:"last_try,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Issued      time.Time `json:"issued"`
	Expires     time.Time `json:"expires"`
}

// Circuits is what `warren circuits` shows: the node's own circuits and,
// for a relay, what it carries for others (counts only).
type Circuits struct {
	Relay    bool          `json:"relay"`
	Own      []CircuitInfo `json:"own"`
	Guards   []string      `json:"guards"` // short IDs, primary first
	Prebuilt int           `json:"prebuilt"`
	Relayed  int           `json:"relayed"` // circuits this relay carries now
	Created  uint64        `json:"created"` // CREATEs answered since start
	Refused  uint64        `json:"refused"` // CREATEs refused (handshake, limits, queue)
}

// CircuitInfo is one of the node's own circuits.
type CircuitInfo struct {
	Hops      []string      `json:"hops"` // short node IDs, first hop first
	Age       time.Duration `json:"age_ns"`
	Purpose   string        `json:"purpose"` // the kind only ("contact", "payment", …); "" = pre-built, unassigned
	BytesSent uint64        `json:"bytes_sent"`
	BytesRecv uint64        `json:"bytes_recv"`
}

// EchoRequest asks the node to echo Bytes through a circuit to Node.
type EchoRequest struct {
	Node  string `json:"node"`
	Bytes int    `json:"bytes"`
}

// EchoResult is what the echo measured.
type EchoResult struct {
	Hops  []string      `json:"hops"`    // short node IDs, first hop first
	Open  time.Duration `json:"open_ns"` // circuit (built or extended) and stream opened
	Echo  time.Duration `json:"echo_ns"` // all bytes sent and back
	Bytes int           `json:"bytes"`
}

// AddPeerRequest asks the node to verify and store a signed peer record.
type AddPeerRequest struct {
	Record string `json:"record"` // base64url, as warren id --record prints
}

// BanRequest asks the node to drop a peer and refuse it for a while.
type BanRequest struct {
	Peer        string  `json:"peer"` // its .onion node ID
	DurationSec float64 `json:"duration_s"`
}

// PeerResult names the peer a request was about.
type PeerResult struct {
	Peer   string `json:"peer"`
	Result string `json:"result"`
}
