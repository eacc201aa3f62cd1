package cell

import (
	"encoding/binary"
	"fmt"
)

// The accessors below decode the data of one command. Each checks the
// whole message first, so it also serves a Msg not built by ParseMsg; on a
// message parsed by ParseMsg it cannot fail except for a wrong command.
// Slices they return alias m.Data.

func (m Msg) want(cmds ...RelayCmd) error {
	for _, c := range cmds {
		if m.Cmd == c {
			return m.check()
		}
	}
	return malformed("%v message, want %v", m.Cmd, cmds)
}

// Service returns the service name of a BEGIN.
func (m Msg) Service() (string, error) {
	if err := m.want(RelayBegin); err != nil {
		return "", err
	}
	return string(m.Data), nil
}

// Reason returns the reason of an END or TRUNCATED.
func (m Msg) Reason() (Reason, error) {
	if err := m.want(RelayEnd, RelayTruncated); err != nil {
		return 0, err
	}
	return Reason(m.Data[0]), nil
}

// Sendme decodes a SENDME: circuit-level (stream 0) with its tag, or
// stream-level with a zero tag.
func (m Msg) Sendme() (tag [SendmeTagLen]byte, circuitLevel bool, err error) {
	if err := m.want(RelaySendme); err != nil {
		return tag, false, err
	}
	return sendmeData(m)
}

// Extend decodes an EXTEND: the next hop's peer record (opaque here), the
// handshake type and the handshake data.
func (m Msg) Extend() (rec []byte, htype uint16, hdata []byte, err error) {
	if err := m.want(RelayExtend); err != nil {
		return nil, 0, nil, err
	}
	return parseExtend(m.Data)
}

// Extended decodes an EXTENDED: the handshake data.
func (m Msg) Extended() (hdata []byte, err error) {
	if err := m.want(RelayExtended); err != nil {
		return nil, err
	}
	return parseExtended(m.Data)
}

// ExtendMsg builds an EXTEND: 1 <= len(rec) <= MaxExtendRecord,
// 1 <= len(hdata) <= MaxHandshakeLen, and 6+len(rec)+len(hdata) <= MaxData.
// The data is a fresh copy.
func ExtendMsg(rec []byte, htype uint16, hdata []byte) (Msg, error) {
	switch {
	case len(rec) == 0:
		return Msg{}, malformed("empty extend record")
	case len(rec) > MaxExtendRecord:
		return Msg{}, tooLong("extend record", len(rec), MaxExtendRecord)
	}
	if err := checkHandshakeLen(len(hdata)); err != nil {
		return Msg{}, err
	}
	n := 2 + len(rec) + 4 + len(hdata)
	if n > MaxData {
		return Msg{}, tooLong("relay data", n, MaxData)
	}
	d := make([]byte, n)
	binary.BigEndian.PutUint16(d, uint16(len(rec)))
	i := 2 + copy(d[2:], rec)
	binary.BigEndian.PutUint16(d[i:], htype)
	putHandshake(d[i+2:], hdata)
	return Msg{Cmd: RelayExtend, Data: d}, nil
}

// ExtendedMsg builds an EXTENDED; 1 <= len(hdata) <= MaxHandshakeLen. The
// data is a fresh copy.
func ExtendedMsg(hdata []byte) (Msg, error) {
	if err := checkHandshakeLen(len(hdata)); err != nil {
		return Msg{}, err
	}
	d := make([]byte, 2+len(hdata))
	putHandshake(d, hdata)
	return Msg{Cmd: RelayExtended, Data: d}, nil
}

func notAllowed(c RelayCmd) error { return fmt.Errorf("%w: %v", ErrNotAllowed, c) }
