package link

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link/wire"
)

// This file holds the handshake as pure steps: no I/O, randomness from the
// prepared Config, time passed in. Each stage is its own type, so a step
// can only be called in the state where it is legal:
//
//	initiator:  newInitiator -> (*initiator).start -> (*initiatorWait).finish -> session
//	responder:  newResponder -> (*responder).read1 -> (*responderReply).write2 -> session
//
// Any error is final: the caller drops the stage value and closes the conn.

// session is the outcome of a handshake: the two transport cipher states
// and what we learned about the peer.
type session struct {
	send, recv *noise.CipherState
	peer       PeerInfo
	binding    [32]byte
}

func noiseConfig(p *prepared, pat noise.HandshakePattern, initiator bool, rand io.Reader) (noise.Config, *x25519DH) {
	suite, dh := newSuiteDH(p.linkKey, p.linkPriv)
	c := noise.Config{
		CipherSuite: suite,
		Random:      rand,
		Pattern:     pat,
		Initiator:   initiator,
		Prologue:    p.prologue,
	}
	if !p.anonymous {
		c.StaticKeypair = noise.DHKey{Private: p.linkPriv, Public: p.linkPub[:]}
	}
	return c, dh
}

func hsErr(err error) error { return fmt.Errorf("%w: %w", ErrHandshake, err) }

// errHSDecrypt reports a failure of flynn/noise's ReadMessage: a wrong
// key, prologue or tampered message, or a low-order point (our DH function
// fails on those). Pre-wrapped, so refusing costs no allocation.
var errHSDecrypt = hsErr(ErrDecrypt)

// errIncomplete is unreachable: IK and NK complete after message 2.
var errIncomplete = hsErr(errors.New("link: handshake did not complete"))

// wipeEphemeral clears the ephemeral private key bytes noise keeps.
func wipeEphemeral(hs *noise.HandshakeState) { clear(hs.LocalEphemeral().Private) }

func bindingOf(hs *noise.HandshakeState) [32]byte {
	var b [32]byte
	copy(b[:], hs.ChannelBinding())
	return b
}

// initiator is a dialer before message 1.
type initiator struct {
	p      *prepared
	remote Remote
}

// initiatorWait is a dialer that sent message 1 and waits for message 2.
type initiatorWait struct {
	p      *prepared
	remote Remote
	hs     *noise.HandshakeState
	dh     *x25519DH
	kind2  wire.Kind
}

func newInitiator(p *prepared, remote Remote) (*initiator, error) {
	if !remote.NodeID.Valid() || remote.LinkKey == ([32]byte{}) {
		return nil, fmt.Errorf("%w: remote needs a node ID and a link key", ErrConfig)
	}
	return &initiator{p: p, remote: remote}, nil
}

// start appends the message-1 envelope to dst: IK with our certificate and
// a fresh timestamp when we have an identity, NK with an empty payload
// otherwise.
func (in *initiator) start(dst []byte) ([]byte, *initiatorWait, error) {
	pat, k1, k2 := noise.HandshakeIK, wire.KindIK1, wire.KindIK2
	if in.p.anonymous {
		pat, k1, k2 = noise.HandshakeNK, wire.KindNK1, wire.KindNK2
	}
	c, dh := noiseConfig(in.p, pat, true, in.p.rand)
	c.PeerStatic = in.remote.LinkKey[:]
	dh.pin(in.p.ss, in.remote.LinkKey)
	hs, err := noise.NewHandshakeState(c)
	if err != nil {
		return nil, nil, hsErr(err)
	}
	var payload []byte
	if !in.p.anonymous {
		ip := wire.InitPayload{Timestamp: in.p.timestamp(), Cert: in.p.cert}
		payload = ip.Append(make([]byte, 0, wire.InitPayloadLen))
	}
	var body [wire.MaxHandshakeMessage]byte
	msg, _, _, err := hs.WriteMessage(body[:0], payload)
	if err != nil {
		return nil, nil, hsErr(err)
	}
	w := &initiatorWait{p: in.p, remote: in.remote, hs: hs, dh: dh, kind2: k2}
	return wire.AppendEnvelope(dst, k1, msg), w, nil
}

// finish consumes the message-2 envelope and returns the session.
func (w *initiatorWait) finish(env []byte) (*session, error) {
	defer wipeEphemeral(w.hs)
	defer w.dh.forget()
	k, body, err := wire.ParseEnvelope(env)
	if err != nil {
		return nil, hsErr(err)
	}
	if k != w.kind2 {
		return nil, hsErr(wire.ErrKind)
	}
	var buf [wire.RespPayloadLen]byte
	payload, cs1, cs2, err := w.hs.ReadMessage(buf[:0], body)
	if err != nil {
		return nil, errHSDecrypt
	}
	if cs1 == nil {
		return nil, errIncomplete
	}
	rp, err := wire.ParseRespPayload(payload)
	if err != nil {
		return nil, hsErr(err)
	}
	if !sameID(identity.NodeID(rp.Cert.Node), w.remote.NodeID) {
		return nil, hsErr(ErrPeerIdentity)
	}
	if _, err := verifyCert(w.p.certs, &rp.Cert, w.p.networkID, w.remote.LinkKey[:]); err != nil {
		return nil, hsErr(err)
	}
	w.dh.commit()
	peer := PeerInfo{NodeID: w.remote.NodeID, Authenticated: true, LinkKey: w.remote.LinkKey, Initiator: true}
	return &session{send: cs1, recv: cs2, peer: peer, binding: bindingOf(w.hs)}, nil
}

// responder is an acceptor before message 1.
type responder struct {
	p     *prepared
	guard *ReplayGuard
	rand  io.Reader
}

// responderReply is an acceptor that verified message 1 and owes message 2.
type responderReply struct {
	p     *prepared
	hs    *noise.HandshakeState
	peer  PeerInfo
	kind2 wire.Kind
}

func newResponder(p *prepared, guard *ReplayGuard) (*responder, error) {
	if p.anonymous {
		return nil, fmt.Errorf("%w: an anonymous config cannot accept", ErrConfig)
	}
	if guard == nil {
		return nil, fmt.Errorf("%w: Accept needs a ReplayGuard", ErrConfig)
	}
	return &responder{p: p, guard: guard, rand: p.rand}, nil
}

// read1 consumes a message-1 envelope at time now. For IK it checks the
// timestamp against the replay guard (before and after verifying the
// initiator's certificate) and binds the certificate to the Noise static.
func (r *responder) read1(env []byte, now time.Time) (*responderReply, error) {
	k, body, err := wire.ParseEnvelope(env)
	if err != nil {
		return nil, hsErr(err)
	}
	var pat noise.HandshakePattern
	var k2 wire.Kind
	switch k {
	case wire.KindIK1:
		pat, k2 = noise.HandshakeIK, wire.KindIK2
	case wire.KindNK1:
		pat, k2 = noise.HandshakeNK, wire.KindNK2
	default:
		return nil, hsErr(wire.ErrKind)
	}
	c, _ := noiseConfig(r.p, pat, false, r.rand)
	hs, err := noise.NewHandshakeState(c)
	if err != nil {
		return nil, hsErr(err)
	}
	var buf [wire.InitPayloadLen]byte
	payload, _, _, err := hs.ReadMessage(buf[:0], body)
	if err != nil {
		return nil, errHSDecrypt
	}
	rr := &responderReply{p: r.p, hs: hs, kind2: k2}
	if k == wire.KindIK1 {
		if rr.peer, err = r.checkInitiator(payload, hs.PeerStatic(), now); err != nil {
			return nil, err
		}
	} else if len(payload) != 0 {
		return nil, hsErr(ErrPeerIdentity) // unreachable: the envelope length is exact
	}
	return rr, nil
}

func (r *responder) checkInitiator(payload, static []byte, now time.Time) (PeerInfo, error) {
	ip, err := wire.ParseInitPayload(payload)
	if err != nil {
		return PeerInfo{}, hsErr(err)
	}
	id := identity.NodeID(ip.Cert.Node)
	if sameID(id, r.p.nodeID) {
		return PeerInfo{}, hsErr(ErrPeerIdentity)
	}
	if err := r.guard.precheck(id, ip.Timestamp, now); err != nil {
		return PeerInfo{}, err
	}
	if _, err := verifyCert(r.p.certs, &ip.Cert, r.p.networkID, static); err != nil {
		return PeerInfo{}, hsErr(err)
	}
	if err := r.guard.admit(id, ip.Timestamp, now); err != nil {
		return PeerInfo{}, err
	}
	peer := PeerInfo{NodeID: id, Authenticated: true}
	copy(peer.LinkKey[:], static)
	return peer, nil
}

// write2 appends the message-2 envelope to dst and returns the session.
func (rr *responderReply) write2(dst []byte) ([]byte, *session, error) {
	defer wipeEphemeral(rr.hs)
	rp := wire.RespPayload{Cert: rr.p.cert}
	var pb [wire.RespPayloadLen]byte
	var body [wire.MaxHandshakeMessage]byte
	msg, cs1, cs2, err := rr.hs.WriteMessage(body[:0], rp.Append(pb[:0]))
	if err != nil {
		return nil, nil, hsErr(err)
	}
	if cs1 == nil {
		return nil, nil, errIncomplete
	}
	s := &session{send: cs2, recv: cs1, peer: rr.peer, binding: bindingOf(rr.hs)}
	return wire.AppendEnvelope(dst, rr.kind2, msg), s, nil
}
