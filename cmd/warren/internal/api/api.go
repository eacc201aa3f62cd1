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
}

// Link describes one established link.
type Link struct {
	Peer          string    `json:"peer"`
	PeerShort     string    `json:"peer_short"`
	Direction     string    `json:"direction"`
	Authenticated bool      `json:"authenticated"`
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
