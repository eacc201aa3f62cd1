package cell

import "strconv"

// Reason says why a circuit (DESTROY, TRUNCATED) or a stream (END) ended.
// One vocabulary serves all three; values are wire format. Decoders reject
// values not listed here.
type Reason uint8

// Reasons.
const (
	ReasonNone          Reason = 0  // no reason given; for END, a normal close
	ReasonProtocol      Reason = 1  // the peer broke the protocol
	ReasonInternal      Reason = 2  // an internal error
	ReasonRequested     Reason = 3  // the client asked for it
	ReasonResourceLimit Reason = 4  // out of memory, queue or circuit slots
	ReasonConnectFailed Reason = 5  // the next hop (or a service) could not be reached
	ReasonTimeout       Reason = 6  // a build, extend or stream timed out
	ReasonDestroyed     Reason = 7  // propagated: the other side of the circuit went away
	ReasonNoService     Reason = 8  // no such service at this hop
	ReasonIntegrity     Reason = 9  // a relay cell failed its integrity check
	ReasonOnionKey      Reason = 10 // stale or unknown onion key
	ReasonReplay        Reason = 11 // a replayed handshake
)

var reasonNames = [...]string{
	ReasonNone:          "none",
	ReasonProtocol:      "protocol",
	ReasonInternal:      "internal",
	ReasonRequested:     "requested",
	ReasonResourceLimit: "resource-limit",
	ReasonConnectFailed: "connect-failed",
	ReasonTimeout:       "timeout",
	ReasonDestroyed:     "destroyed",
	ReasonNoService:     "no-service",
	ReasonIntegrity:     "integrity",
	ReasonOnionKey:      "onion-key",
	ReasonReplay:        "replay",
}

func (r Reason) valid() bool { return int(r) < len(reasonNames) }

// String returns the reason's name, or "reason(N)" for an unknown value.
func (r Reason) String() string {
	if r.valid() {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// parseReason decodes a one-byte reason field.
func parseReason(b byte) (Reason, error) {
	if r := Reason(b); r.valid() {
		return r, nil
	}
	return 0, malformed("unknown reason %d", b)
}
