// Package cell is the codec for Warren's circuit cells and for the relay
// messages that RELAY cells carry.
//
// It owns two fixed-size layouts and nothing else: the 512-byte cell (one
// cell fills exactly the smallest overlay/link frame body, CellSize) and
// the 491-byte relay message found inside a RELAY body once the relay
// crypto has removed its layers. It does no cryptography (the relay tag and
// the handshake data are opaque bytes here), keeps no state (circuit ID
// allocation, RELAY_EARLY budgets, SENDME windows and which messages a
// circuit state accepts belong to the circuit layer, which says the last
// with a CmdSet), and does no I/O. All functions are safe for concurrent
// use; Cell and Msg are plain values that callers own.
//
// # Cell
//
// All integers are big-endian.
//
//	offset  size  field
//	0       4     CircID
//	4       1     Cmd
//	5       507   body (BodyLen)
//
//	cmd              CircID  body
//	PADDING      0   0       anything: encoders write zeros, decoders ignore it
//	CREATE       1   != 0    htype(2) hlen(2) hdata(hlen) zero*
//	CREATED      2   != 0    hlen(2) hdata(hlen) zero*
//	RELAY        3   != 0    tag(16) msg(491): opaque to Parse
//	RELAY_EARLY  4   != 0    as RELAY
//	DESTROY      5   != 0    reason(1) zero*
//
// Circuit IDs are per link and split by role: the side that dialed the link
// picks IDs with DialerBit set, the side that accepted picks IDs with it
// clear, and 0 is reserved for PADDING (ValidCircID). 1 <= hlen <=
// MaxHandshakeLen. htype names the per-hop handshake (HandshakeNK); the
// codec encodes and accepts any value and leaves refusing unknown ones to
// the handshake layer, since hlen already makes every handshake skippable.
// Padding content of PADDING cells is ignored because it carries nothing
// and sits inside an encrypted link frame; every other padding byte, in
// cells and in relay messages alike, must be zero, which is how this
// fixed-size format rejects trailing bytes.
//
// # Relay message
//
//	rcmd(1) streamID(2) length(2) data(length) zero*      length <= MaxData (486)
//
//	rcmd          streamID  data
//	BEGIN      1  != 0      service name: 1..64 bytes of [a-z0-9._-]
//	DATA       2  != 0      1..486 bytes
//	END        3  != 0      reason(1)
//	CONNECTED  4  != 0      empty
//	SENDME     5  0         version(1)=1 tag(16)      circuit-level
//	              != 0      empty                     stream-level
//	EXTEND     6  0         reclen(2) record(reclen) htype(2) hlen(2) hdata(hlen)
//	                        1 <= reclen <= 400, 1 <= hlen <= 256, all <= 486
//	EXTENDED   7  0         hlen(2) hdata(hlen)       1 <= hlen <= 256
//	TRUNCATED  8  0         reason(1)
//	DROP       9  0         0..486 bytes of anything (long-range padding)
//
// The EXTEND record is the next hop's peer record, opaque to this codec.
// END, TRUNCATED and DESTROY share one Reason vocabulary; for END,
// ReasonNone is a normal close. Unknown reasons, unknown commands (cell or
// relay, ErrUnknownCommand) and relay commands outside the caller's CmdSet
// (ErrNotAllowed) are rejected.
//
// # Decoders
//
// Parse and ParseMsg take exactly Size and MsgLen bytes, check every rule
// above before returning, and return the zero value with an error on
// failure, never a half-filled value. Whatever they accept, the encoders
// (Create, Created, Destroy, Relay, EncodeMsg) reproduce byte for byte,
// PADDING bodies excepted. The hot paths (Parse, ParseMsg, EncodeMsg,
// Relay) do not allocate.
package cell
