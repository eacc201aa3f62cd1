package relaycrypto

import "crypto/subtle"

// Relay is a relay's state for one circuit: its layer in each direction.
// Not safe for concurrent use.
type Relay struct{ fwd, bwd layer }

// NewRelay keys a relay's layer from the handshake's HopKeyLen bytes.
func NewRelay(keys []byte) (*Relay, error) {
	if len(keys) != HopKeyLen {
		return nil, ErrKeyLen
	}
	r := new(Relay)
	if err := r.fwd.setKeys(keys[:KeyLen]); err != nil {
		return nil, err
	}
	if err := r.bwd.setKeys(keys[KeyLen:]); err != nil {
		return nil, err
	}
	return r, nil
}

// Forward processes a cell travelling away from the client. It reports
// whether the cell is for this hop and, if so, the cell's SENDME tag; the
// body's message (body[TagLen:]) is then plaintext. Otherwise the caller
// passes the body on to the next hop, or, at the last hop, destroys the
// circuit: a cell nobody recognises was modified on the way.
func (r *Relay) Forward(cmd byte, body *[BodyLen]byte) (Tag, bool) {
	l := &r.fwd
	in := Tag(body[:TagLen])
	l.encrypt(cmd, body)
	l.tprime = Tag(body[:TagLen])
	if subtle.ConstantTimeCompare(body[:TagLen], l.nonce[:]) != 1 {
		return Tag{}, false
	}
	l.accepted(in)
	return in, true
}

// Backward adds this hop's layer to a cell travelling to the client.
func (r *Relay) Backward(cmd byte, body *[BodyLen]byte) {
	r.bwd.encrypt(cmd, body)
	r.bwd.tprime = Tag(body[:TagLen])
}

// Originate encrypts a cell this hop sends to the client; the message is
// in body[TagLen:], and the first TagLen bytes are overwritten. It
// returns the tag the client will echo in a SENDME for this cell.
func (r *Relay) Originate(cmd byte, body *[BodyLen]byte) Tag {
	l := &r.bwd
	copy(body[:TagLen], l.nonce[:])
	l.encrypt(cmd, body)
	l.tprime = Tag(body[:TagLen])
	l.accepted(l.tprime)
	return l.tprime
}

// Close wipes the state.
func (r *Relay) Close() { r.fwd.wipe(); r.bwd.wipe() }

// Client is a client's state for one circuit: one ClientHop per hop,
// first hop first. Not safe for concurrent use.
type Client struct{ hops []*clientHop }

type clientHop struct{ fwd, bwd layer }

// AddHop appends the next hop, keyed from its handshake's HopKeyLen bytes.
func (c *Client) AddHop(keys []byte) error {
	if len(keys) != HopKeyLen {
		return ErrKeyLen
	}
	h := new(clientHop)
	if err := h.fwd.setKeys(keys[:KeyLen]); err != nil {
		return err
	}
	if err := h.bwd.setKeys(keys[KeyLen:]); err != nil {
		return err
	}
	c.hops = append(c.hops, h)
	return nil
}

// Hops returns the number of hops.
func (c *Client) Hops() int { return len(c.hops) }

// Originate encrypts a cell for hop target (0 is the first hop): the
// message is in body[TagLen:], the first TagLen bytes are overwritten. It
// returns the tag that hop will echo in a SENDME for this cell.
func (c *Client) Originate(target int, cmd byte, body *[BodyLen]byte) Tag {
	l := &c.hops[target].fwd
	copy(body[:TagLen], l.nonce[:])
	l.clientForward(cmd, body)
	tag := Tag(body[:TagLen])
	l.accepted(tag)
	for i := target - 1; i >= 0; i-- {
		c.hops[i].fwd.clientForward(cmd, body)
	}
	return tag
}

// clientForward removes what the relay's encryption will add.
func (l *layer) clientForward(cmd byte, body *[BodyLen]byte) {
	next := Tag(body[:TagLen])
	l.decrypt(cmd, body)
	l.tprime = next
}

// Backward removes layers from a cell that came from the circuit until a
// hop recognises it. It returns that hop, the cell's SENDME tag and true;
// the message is then plaintext in body[TagLen:]. If no hop recognises the
// cell it returns false, and the caller must destroy the circuit: the cell
// was modified on the way.
func (c *Client) Backward(cmd byte, body *[BodyLen]byte) (int, Tag, bool) {
	for i, h := range c.hops {
		l := &h.bwd
		orig := Tag(body[:TagLen])
		l.decrypt(cmd, body)
		l.tprime = orig
		if subtle.ConstantTimeCompare(body[:TagLen], l.nonce[:]) == 1 {
			l.accepted(orig)
			return i, orig, true
		}
	}
	return -1, Tag{}, false
}

// Close wipes the state.
func (c *Client) Close() {
	for _, h := range c.hops {
		h.fwd.wipe()
		h.bwd.wipe()
	}
	c.hops = nil
}
