package cell

import "encoding/binary"

// ParseMsg decodes one relay message: the MsgLen bytes of a RELAY body that
// follow the tag, once relay crypto has removed its layers. It rejects a
// wrong length, an unknown command (ErrUnknownCommand), a known command not
// in allowed (ErrNotAllowed; checked before the rest of the message), and
// then any message EncodeMsg would refuse or encode differently: bad
// stream ID, bad data for the command, or nonzero padding. m.Data aliases
// b. On error the zero Msg is returned.
func ParseMsg(b []byte, allowed CmdSet) (Msg, error) {
	if len(b) != MsgLen {
		return Msg{}, malformed("relay message of %d bytes, want %d", len(b), MsgLen)
	}
	cmd := RelayCmd(b[0])
	switch {
	case !cmd.known():
		return Msg{}, unknownRelayCmd(b[0])
	case !allowed.Has(cmd):
		return Msg{}, notAllowed(cmd)
	}
	n := int(be16(b[3:]))
	if n > MaxData {
		return Msg{}, tooLong("relay data", n, MaxData)
	}
	if !isZero(b[MsgHeaderLen+n:]) {
		return Msg{}, errPadding
	}
	m := Msg{Cmd: cmd, StreamID: be16(b[1:])}
	if n > 0 {
		m.Data = b[MsgHeaderLen : MsgHeaderLen+n]
	}
	if err := m.check(); err != nil {
		return Msg{}, err
	}
	return m, nil
}

// EncodeMsg writes m into buf: header, data and zero padding, all MsgLen
// bytes. It checks m by the rules ParseMsg applies and leaves buf untouched
// on error. m.Data may alias buf.
func EncodeMsg(buf *[MsgLen]byte, m Msg) error {
	if err := m.check(); err != nil {
		return err
	}
	buf[0] = byte(m.Cmd)
	binary.BigEndian.PutUint16(buf[1:], m.StreamID)
	binary.BigEndian.PutUint16(buf[3:], uint16(len(m.Data)))
	n := copy(buf[MsgHeaderLen:], m.Data)
	clear(buf[MsgHeaderLen+n:])
	return nil
}

// check applies every rule of the relay message grammar to m.
func (m Msg) check() error {
	switch {
	case !m.Cmd.known():
		return unknownRelayCmd(uint8(m.Cmd))
	case len(m.Data) > MaxData:
		return tooLong("relay data", len(m.Data), MaxData)
	case streamCmds.Has(m.Cmd) && m.StreamID == 0:
		return malformed("%v without a stream id", m.Cmd)
	case circuitCmds.Has(m.Cmd) && m.StreamID != 0:
		return malformed("%v with a stream id", m.Cmd)
	}
	var err error
	switch m.Cmd {
	case RelayBegin:
		err = checkService(m.Data)
	case RelayData:
		if len(m.Data) == 0 {
			err = malformed("empty data")
		}
	case RelayEnd, RelayTruncated:
		_, err = reasonData(m.Data)
	case RelayConnected:
		err = noData(m)
	case RelaySendme:
		_, _, err = sendmeData(m)
	case RelayExtend:
		_, _, _, err = parseExtend(m.Data)
	case RelayExtended:
		_, err = parseExtended(m.Data)
	}
	return err
}

func noData(m Msg) error {
	if len(m.Data) != 0 {
		return malformed("%v with %d data bytes", m.Cmd, len(m.Data))
	}
	return nil
}

// checkService checks a BEGIN service name: 1..MaxServiceName bytes of
// [a-z0-9._-]. The error does not quote the name.
func checkService(p []byte) error {
	switch {
	case len(p) == 0:
		return malformed("empty service name")
	case len(p) > MaxServiceName:
		return tooLong("service name", len(p), MaxServiceName)
	}
	for _, c := range p {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return malformed("service name byte 0x%02x", c)
		}
	}
	return nil
}

func reasonData(d []byte) (Reason, error) {
	if len(d) != 1 {
		return 0, malformed("reason of %d bytes, want 1", len(d))
	}
	return parseReason(d[0])
}

// sendmeData decodes a SENDME: stream-level (nonzero stream) is empty,
// circuit-level (stream 0) is version(1) | tag(SendmeTagLen).
func sendmeData(m Msg) (tag [SendmeTagLen]byte, circuitLevel bool, err error) {
	if m.StreamID != 0 {
		return tag, false, noData(m)
	}
	switch {
	case len(m.Data) != 1+SendmeTagLen:
		return tag, false, malformed("circuit sendme of %d bytes, want %d", len(m.Data), 1+SendmeTagLen)
	case m.Data[0] != SendmeVersion:
		return tag, false, malformed("sendme version %d", m.Data[0])
	}
	copy(tag[:], m.Data[1:])
	return tag, true, nil
}

// parseExtend splits EXTEND data: reclen(2) | record | htype(2) | hlen(2) | hdata.
func parseExtend(d []byte) (rec []byte, htype uint16, hdata []byte, err error) {
	if len(d) < 2 {
		return nil, 0, nil, malformed("truncated extend record length")
	}
	n := int(be16(d))
	switch {
	case n == 0:
		return nil, 0, nil, malformed("empty extend record")
	case n > MaxExtendRecord:
		return nil, 0, nil, tooLong("extend record", n, MaxExtendRecord)
	case n+4 > len(d)-2:
		return nil, 0, nil, malformed("extend record length %d beyond the data", n)
	}
	rec, rest := d[2:2+n], d[2+n:]
	hdata, tail, err := handshakeField(rest[2:])
	switch {
	case err != nil:
		return nil, 0, nil, err
	case len(tail) != 0:
		return nil, 0, nil, malformed("%d bytes after extend handshake", len(tail))
	}
	return rec, be16(rest), hdata, nil
}

// parseExtended decodes EXTENDED data: hlen(2) | hdata.
func parseExtended(d []byte) ([]byte, error) {
	hdata, tail, err := handshakeField(d)
	switch {
	case err != nil:
		return nil, err
	case len(tail) != 0:
		return nil, malformed("%d bytes after extended handshake", len(tail))
	}
	return hdata, nil
}
