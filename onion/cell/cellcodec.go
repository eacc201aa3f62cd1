package cell

import "encoding/binary"

// Parse decodes one cell. b must be exactly Size bytes; the cell is copied,
// so the result does not alias b. The header is checked, and so is the body
// of CREATE, CREATED and DESTROY (lengths, reason, zero padding), so the
// body decoders cannot fail on a parsed cell. RELAY and RELAY_EARLY bodies
// are opaque and PADDING bodies are ignored. Parse does not check the
// circuit ID against the link roles; see ValidCircID.
// On error the zero Cell is returned.
func Parse(b []byte) (Cell, error) {
	if len(b) != Size {
		return Cell{}, malformed("cell of %d bytes, want %d", len(b), Size)
	}
	c := Cell(b)
	if err := c.Validate(); err != nil {
		return Cell{}, err
	}
	return c, nil
}

// Validate checks c as Parse does: a known command, circuit ID 0 exactly
// for PADDING, and a well-formed body for CREATE, CREATED and DESTROY.
func (c *Cell) Validate() error {
	cmd, id := c.Cmd(), c.CircID()
	switch {
	case !cmd.known():
		return unknownCommand(uint8(cmd))
	case cmd == CmdPadding && id != 0:
		return malformed("padding with a nonzero circuit id")
	case cmd != CmdPadding && id == 0:
		return malformed("%v on circuit id 0", cmd)
	}
	var err error
	switch cmd {
	case CmdCreate:
		_, _, err = parseCreate(c.Body())
	case CmdCreated:
		_, err = parseCreated(c.Body())
	case CmdDestroy:
		_, err = parseDestroy(c.Body())
	}
	return err
}

// CreateBody decodes a CREATE body: the handshake type and data. hdata
// aliases c. It checks the body, not the header.
func (c *Cell) CreateBody() (htype uint16, hdata []byte, err error) {
	if c.Cmd() != CmdCreate {
		return 0, nil, malformed("%v cell, not create", c.Cmd())
	}
	return parseCreate(c.Body())
}

// CreatedBody decodes a CREATED body: the handshake data, aliasing c.
func (c *Cell) CreatedBody() (hdata []byte, err error) {
	if c.Cmd() != CmdCreated {
		return nil, malformed("%v cell, not created", c.Cmd())
	}
	return parseCreated(c.Body())
}

// DestroyReason decodes a DESTROY body.
func (c *Cell) DestroyReason() (Reason, error) {
	if c.Cmd() != CmdDestroy {
		return 0, malformed("%v cell, not destroy", c.Cmd())
	}
	return parseDestroy(c.Body())
}

func parseCreate(b *[BodyLen]byte) (uint16, []byte, error) {
	hdata, rest, err := handshakeField(b[2:])
	if err != nil {
		return 0, nil, err
	}
	if !isZero(rest) {
		return 0, nil, errPadding
	}
	return be16(b[0:]), hdata, nil
}

func parseCreated(b *[BodyLen]byte) ([]byte, error) {
	hdata, rest, err := handshakeField(b[:])
	if err != nil {
		return nil, err
	}
	if !isZero(rest) {
		return nil, errPadding
	}
	return hdata, nil
}

func parseDestroy(b *[BodyLen]byte) (Reason, error) {
	r, err := parseReason(b[0])
	if err != nil {
		return 0, err
	}
	if !isZero(b[1:]) {
		return 0, errPadding
	}
	return r, nil
}

// handshakeField splits hlen(2) | hdata(hlen) off the front of p and
// returns hdata and the bytes after it.
func handshakeField(p []byte) (hdata, rest []byte, err error) {
	if len(p) < 2 {
		return nil, nil, malformed("truncated handshake length")
	}
	n := int(be16(p))
	switch {
	case n == 0:
		return nil, nil, malformed("empty handshake data")
	case n > MaxHandshakeLen:
		return nil, nil, tooLong("handshake data", n, MaxHandshakeLen)
	case n > len(p)-2:
		return nil, nil, malformed("handshake length %d beyond the %d bytes left", n, len(p)-2)
	}
	return p[2 : 2+n], p[2+n:], nil
}

// putHandshake writes hlen(2) | hdata at the front of p and returns the
// number of bytes written; the caller has checked the length.
func putHandshake(p, hdata []byte) int {
	binary.BigEndian.PutUint16(p, uint16(len(hdata)))
	return 2 + copy(p[2:], hdata)
}

func checkHandshakeLen(n int) error {
	switch {
	case n == 0:
		return malformed("empty handshake data")
	case n > MaxHandshakeLen:
		return tooLong("handshake data", n, MaxHandshakeLen)
	}
	return nil
}

// header starts a non-padding cell.
func header(id uint32, cmd Command) (Cell, error) {
	var c Cell
	if id == 0 {
		return c, malformed("%v on circuit id 0", cmd)
	}
	c.SetHeader(id, cmd)
	return c, nil
}

// Padding returns a PADDING cell: circuit ID 0 and an all-zero body.
func Padding() Cell { return Cell{} }

// Create encodes a CREATE cell; 1 <= len(hdata) <= MaxHandshakeLen. Any
// htype is encoded; the handshake layer decides which it accepts.
func Create(id uint32, htype uint16, hdata []byte) (Cell, error) {
	if err := checkHandshakeLen(len(hdata)); err != nil {
		return Cell{}, err
	}
	c, err := header(id, CmdCreate)
	if err != nil {
		return Cell{}, err
	}
	b := c.Body()
	binary.BigEndian.PutUint16(b[0:], htype)
	putHandshake(b[2:], hdata)
	return c, nil
}

// Created encodes a CREATED cell; 1 <= len(hdata) <= MaxHandshakeLen.
func Created(id uint32, hdata []byte) (Cell, error) {
	if err := checkHandshakeLen(len(hdata)); err != nil {
		return Cell{}, err
	}
	c, err := header(id, CmdCreated)
	if err != nil {
		return Cell{}, err
	}
	putHandshake(c.Body()[:], hdata)
	return c, nil
}

// Destroy encodes a DESTROY cell.
func Destroy(id uint32, r Reason) (Cell, error) {
	if !r.valid() {
		return Cell{}, malformed("unknown reason %d", uint8(r))
	}
	c, err := header(id, CmdDestroy)
	if err != nil {
		return Cell{}, err
	}
	c.Body()[0] = byte(r)
	return c, nil
}

// Relay encodes a RELAY cell (RELAY_EARLY if early) carrying body, which
// the relay crypto has already sealed. For building the cell in place, use
// SetHeader and Body instead.
func Relay(id uint32, early bool, body *[BodyLen]byte) (Cell, error) {
	cmd := CmdRelay
	if early {
		cmd = CmdRelayEarly
	}
	c, err := header(id, cmd)
	if err != nil {
		return Cell{}, err
	}
	*c.Body() = *body
	return c, nil
}
