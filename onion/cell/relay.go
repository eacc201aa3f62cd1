package cell

import "strconv"

// Spec constants: the relay message layout inside a RELAY body.
const (
	// TagLen is the size of the relay crypto's tag at the front of every
	// RELAY body.
	TagLen = 16
	// MsgLen is the length of a relay message: the rest of the body.
	MsgLen = BodyLen - TagLen
	// MsgHeaderLen is rcmd(1) + streamID(2) + length(2).
	MsgHeaderLen = 5
	// MaxData is the most data one relay message carries.
	MaxData = MsgLen - MsgHeaderLen
	// MaxServiceName bounds the service name in BEGIN.
	MaxServiceName = 64
	// MaxExtendRecord bounds the peer record in EXTEND.
	MaxExtendRecord = 400
	// SendmeVersion is the version byte of a circuit-level SENDME.
	SendmeVersion = 1
	// SendmeTagLen is the length of the tag a circuit-level SENDME
	// acknowledges.
	SendmeTagLen = 16
)

// RelayParts splits the body of a RELAY cell into the relay crypto's tag
// and the relay message; both alias c.
func (c *Cell) RelayParts() (tag *[TagLen]byte, msg *[MsgLen]byte) {
	b := c.Body()
	return (*[TagLen]byte)(b[:TagLen]), (*[MsgLen]byte)(b[TagLen:])
}

// RelayCmd is a relay message command; values are wire format.
type RelayCmd uint8

// Relay commands.
const (
	RelayBegin     RelayCmd = 1 // open a stream to a named service at this hop
	RelayData      RelayCmd = 2 // stream data
	RelayEnd       RelayCmd = 3 // close a stream
	RelayConnected RelayCmd = 4 // the service accepted BEGIN
	RelaySendme    RelayCmd = 5 // flow-control window update
	RelayExtend    RelayCmd = 6 // extend the circuit by one hop
	RelayExtended  RelayCmd = 7 // the answer to EXTEND
	RelayTruncated RelayCmd = 8 // an extension failed
	RelayDrop      RelayCmd = 9 // long-range padding, discarded
)

var relayNames = [...]string{
	RelayBegin:     "begin",
	RelayData:      "data",
	RelayEnd:       "end",
	RelayConnected: "connected",
	RelaySendme:    "sendme",
	RelayExtend:    "extend",
	RelayExtended:  "extended",
	RelayTruncated: "truncated",
	RelayDrop:      "drop",
}

func (c RelayCmd) known() bool { return c != 0 && int(c) < len(relayNames) }

// String returns the command's name, or "relay(N)" for an unknown value.
func (c RelayCmd) String() string {
	if c.known() {
		return relayNames[c]
	}
	return "relay(" + strconv.Itoa(int(c)) + ")"
}

// CmdSet is a set of relay commands: the messages legal in one circuit or
// stream state. Its zero value is the empty set.
type CmdSet uint32

// AllCmds holds every known relay command.
const AllCmds CmdSet = 1<<RelayBegin | 1<<RelayData | 1<<RelayEnd |
	1<<RelayConnected | 1<<RelaySendme | 1<<RelayExtend |
	1<<RelayExtended | 1<<RelayTruncated | 1<<RelayDrop

// Set returns the set of cmds. Unknown commands are left out, so that
// Has(c) implies c is known.
func Set(cmds ...RelayCmd) CmdSet {
	var s CmdSet
	for _, c := range cmds {
		if c.known() {
			s |= 1 << c
		}
	}
	return s
}

// Has reports whether c is in s.
func (s CmdSet) Has(c RelayCmd) bool { return c < 32 && s&(1<<c) != 0 }

// streamCmds need a nonzero stream ID; circuitCmds need stream ID 0.
// SENDME takes either.
var (
	streamCmds  = Set(RelayBegin, RelayData, RelayEnd, RelayConnected)
	circuitCmds = Set(RelayExtend, RelayExtended, RelayTruncated, RelayDrop)
)

// Msg is a decoded relay message. After ParseMsg, Data aliases the parsed
// buffer (copy it to keep it past the buffer's reuse); it is nil when the
// message carries no data. A Msg is a plain value; the codec never keeps or
// modifies one.
type Msg struct {
	Cmd      RelayCmd
	StreamID uint16
	Data     []byte
}

// The constructors below do not validate; EncodeMsg does. ExtendMsg and
// ExtendedMsg lay out length fields and so check their input up front.

// BeginMsg opens stream to the named service.
func BeginMsg(stream uint16, service string) Msg {
	return Msg{RelayBegin, stream, []byte(service)}
}

// DataMsg carries p (aliased, not copied) on stream.
func DataMsg(stream uint16, p []byte) Msg { return Msg{RelayData, stream, p} }

// EndMsg closes stream; ReasonNone is a normal close.
func EndMsg(stream uint16, r Reason) Msg { return Msg{RelayEnd, stream, []byte{byte(r)}} }

// ConnectedMsg answers a BEGIN on stream.
func ConnectedMsg(stream uint16) Msg { return Msg{Cmd: RelayConnected, StreamID: stream} }

// StreamSendmeMsg is a stream-level SENDME.
func StreamSendmeMsg(stream uint16) Msg { return Msg{Cmd: RelaySendme, StreamID: stream} }

// CircuitSendmeMsg is a circuit-level SENDME acknowledging tag.
func CircuitSendmeMsg(tag *[SendmeTagLen]byte) Msg {
	d := make([]byte, 1+SendmeTagLen)
	d[0] = SendmeVersion
	copy(d[1:], tag[:])
	return Msg{Cmd: RelaySendme, Data: d}
}

// TruncatedMsg reports a failed extension.
func TruncatedMsg(r Reason) Msg { return Msg{Cmd: RelayTruncated, Data: []byte{byte(r)}} }

// DropMsg is long-range padding carrying p (aliased; may be empty).
func DropMsg(p []byte) Msg { return Msg{Cmd: RelayDrop, Data: p} }
