package cell

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// Spec constants: the cell layout. Changing any of them changes the
// protocol.
const (
	// Size is the length of every cell. It equals overlay/link's CellSize,
	// so one cell fills the smallest link frame body exactly.
	Size = 512
	// HeaderLen is CircID(4) + Cmd(1).
	HeaderLen = 5
	// BodyLen is the length of a cell body.
	BodyLen = Size - HeaderLen
	// DialerBit is set in every circuit ID picked by the side that dialed
	// the link and clear in every ID picked by the side that accepted it.
	DialerBit uint32 = 0x80000000
	// MaxHandshakeLen bounds the handshake data in CREATE, CREATED, EXTEND
	// and EXTENDED.
	MaxHandshakeLen = 256
	// HandshakeNK is the per-hop handshake type of Warren's Noise-NK-style
	// circuit handshake, the only one defined so far.
	HandshakeNK uint16 = 1
)

// Command is a cell command; values are wire format.
type Command uint8

// Cell commands.
const (
	CmdPadding    Command = 0 // link padding; circuit ID 0, body ignored
	CmdCreate     Command = 1 // open a circuit to this hop
	CmdCreated    Command = 2 // the hop's answer to CREATE
	CmdRelay      Command = 3 // an encrypted relay body
	CmdRelayEarly Command = 4 // as RELAY; the circuit layer limits how many may be sent
	CmdDestroy    Command = 5 // tear the circuit down
)

var commandNames = [...]string{
	CmdPadding:    "padding",
	CmdCreate:     "create",
	CmdCreated:    "created",
	CmdRelay:      "relay",
	CmdRelayEarly: "relay_early",
	CmdDestroy:    "destroy",
}

func (c Command) known() bool { return int(c) < len(commandNames) }

// String returns the command's name, or "command(N)" for an unknown value.
func (c Command) String() string {
	if c.known() {
		return commandNames[c]
	}
	return "command(" + strconv.Itoa(int(c)) + ")"
}

// IDFromDialer reports whether id lies in the half of the circuit-ID space
// owned by the side that dialed the link.
func IDFromDialer(id uint32) bool { return id&DialerBit != 0 }

// ValidCircID reports whether id is a usable circuit ID for a circuit
// opened by the dialer side (dialerSide) or by the accepting side of a link:
// nonzero, with DialerBit set exactly when dialerSide. A relay receiving
// CREATE checks the ID against its peer's role; Parse cannot, since it does
// not know which side of the link it is on.
func ValidCircID(id uint32, dialerSide bool) bool {
	return id != 0 && IDFromDialer(id) == dialerSide
}

// Cell is one cell in wire format. It is a plain array: copying it copies
// the cell, and a *Cell is not safe for concurrent mutation.
type Cell [Size]byte

// CircID returns the circuit ID from the header.
func (c *Cell) CircID() uint32 { return binary.BigEndian.Uint32(c[0:4]) }

// Cmd returns the command from the header.
func (c *Cell) Cmd() Command { return Command(c[4]) }

// Body returns the body, aliasing the cell.
func (c *Cell) Body() *[BodyLen]byte { return (*[BodyLen]byte)(c[HeaderLen:]) }

// SetHeader writes the circuit ID and command, leaving the body alone. It
// does not validate them; Validate does.
func (c *Cell) SetHeader(id uint32, cmd Command) {
	binary.BigEndian.PutUint32(c[0:4], id)
	c[4] = byte(cmd)
}

// zeros is compared against padding; it is never written.
var zeros [BodyLen]byte

// isZero reports whether p (at most BodyLen bytes) is all zero.
func isZero(p []byte) bool { return bytes.Equal(p, zeros[:len(p)]) }

var errPadding = malformed("nonzero padding")

func be16(p []byte) uint16 { return binary.BigEndian.Uint16(p) }
