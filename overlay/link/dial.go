package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Dial runs the initiator side of a handshake on conn and returns the
// established link: IK when cfg has a node identity, NK (anonymous) when
// it does not. remote must come from a verified peer record; the link is
// refused unless the responder proves it holds remote.LinkKey and presents
// a certificate for remote.NodeID.
//
// Dial owns conn from the call on: on error conn is closed. The handshake
// is bounded by cfg's HandshakeTimeout and by ctx (deadline and
// cancellation); ctx does not affect the link after Dial returns.
func Dial(ctx context.Context, conn net.Conn, cfg *Config, remote Remote) (*Link, error) {
	p, err := cfg.prepare()
	if err != nil {
		conn.Close()
		return nil, err
	}
	s, err := dialSteps(ctx, conn, p, remote)
	if err != nil {
		p.log.Debug("link: dial handshake failed", "remote", conn.RemoteAddr(), "err", err)
		conn.Close()
		return nil, err
	}
	return newLink(conn, p, s, true), nil
}

func dialSteps(ctx context.Context, conn net.Conn, p *prepared, remote Remote) (*session, error) {
	in, err := newInitiator(p, remote)
	if err != nil {
		return nil, err
	}
	stop := handshakeDeadline(ctx, conn, p)
	s, err := dialIO(conn, in)
	if err := stop(); err != nil {
		return nil, err
	}
	return s, err
}

func dialIO(conn net.Conn, in *initiator) (*session, error) {
	var out [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	msg1, wait, err := in.start(out[:0])
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg1); err != nil {
		return nil, ioErr(err)
	}
	var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	env, err := readEnvelope(conn, &buf)
	if err != nil {
		return nil, err
	}
	return wait.finish(env)
}

// Accept runs the responder side of a handshake on conn. It accepts IK
// (the peer proves a node identity) and NK (anonymous); check
// Link.Peer().Authenticated. cfg must have a node identity. rp is the
// node's replay guard, shared by all its Accepts.
//
// Accept owns conn from the call on: on error conn is closed. The handshake
// is bounded by cfg's HandshakeTimeout and by ctx.
func Accept(ctx context.Context, conn net.Conn, cfg *Config, rp *ReplayGuard) (*Link, error) {
	p, err := cfg.prepare()
	if err != nil {
		conn.Close()
		return nil, err
	}
	s, err := acceptSteps(ctx, conn, p, rp)
	if err != nil {
		p.log.Debug("link: accept handshake failed", "remote", conn.RemoteAddr(), "err", err)
		conn.Close()
		return nil, err
	}
	return newLink(conn, p, s, true), nil
}

func acceptSteps(ctx context.Context, conn net.Conn, p *prepared, rp *ReplayGuard) (*session, error) {
	r, err := newResponder(p, rp)
	if err != nil {
		return nil, err
	}
	stop := handshakeDeadline(ctx, conn, p)
	s, err := acceptIO(conn, p, r)
	if err := stop(); err != nil {
		return nil, err
	}
	return s, err
}

func acceptIO(conn net.Conn, p *prepared, r *responder) (*session, error) {
	var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	env, err := readEnvelope(conn, &buf)
	if err != nil {
		return nil, err
	}
	reply, err := r.read1(env, p.now())
	if err != nil {
		return nil, err
	}
	var out [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
	msg2, s, err := reply.write2(out[:0])
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg2); err != nil {
		return nil, ioErr(err)
	}
	return s, nil
}

// handshakeDeadline sets conn's deadline to the earlier of ctx's deadline
// and the handshake timeout, and makes ctx cancellation abort blocked I/O.
// The returned func clears the deadline and the hook; it returns an error
// if ctx was cancelled first (the conn's deadline is then in the past).
func handshakeDeadline(ctx context.Context, conn net.Conn, p *prepared) func() error {
	d := time.Now().Add(p.handshake)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	conn.SetDeadline(d)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	return func() error {
		if !stop() {
			<-fired
			return fmt.Errorf("%w: %w", ErrHandshake, context.Cause(ctx))
		}
		conn.SetDeadline(time.Time{})
		return nil
	}
}

// readEnvelope reads one handshake envelope into buf: the 3-byte header is
// checked (known kind, exact length) before the body is read, so nothing
// beyond buf is ever read or allocated.
func readEnvelope(r io.Reader, buf *[wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte) ([]byte, error) {
	if _, err := io.ReadFull(r, buf[:wire.EnvelopeHeaderLen]); err != nil {
		return nil, ioErr(err)
	}
	_, n, err := wire.ParseEnvelopeHeader(buf[:wire.EnvelopeHeaderLen])
	if err != nil {
		return nil, envelopeErr(err)
	}
	end := wire.EnvelopeHeaderLen + n
	if _, err := io.ReadFull(r, buf[wire.EnvelopeHeaderLen:end]); err != nil {
		return nil, ioErr(err)
	}
	return buf[:end], nil
}

// Pre-wrapped envelope errors: refusing a bad header allocates nothing.
var (
	errEnvKind   = hsErr(wire.ErrKind)
	errEnvLength = hsErr(wire.ErrLength)
)

func envelopeErr(err error) error {
	switch err {
	case wire.ErrKind:
		return errEnvKind
	case wire.ErrLength:
		return errEnvLength
	}
	return hsErr(err)
}

// ioErr wraps a conn error met during the handshake.
func ioErr(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", ErrHandshake, redact(err))
}

// redact drops the addresses a *net.OpError prints, keeping the cause
// (timeouts still satisfy net.Error and os.ErrDeadlineExceeded): error
// strings never name peers.
func redact(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
