package mailbox

import (
	"errors"
	"io"
	"time"

	"github.com/warrennet/warren/messaging/mailbox/wire"
	"github.com/warrennet/warren/onion/circapi"
)

// conn serves one stream: a reader goroutine reads frames, the serve loop
// answers them in order. Not safe for concurrent use; owned by Handle.
type conn struct {
	srv     *Server
	s       circapi.Stream
	frames  chan frameIn // from the reader
	quit    chan struct{}
	pending *frameIn // a frame that arrived while a fetch waited
}

type frameIn struct {
	b   []byte
	err error
}

func (c *conn) serve() {
	c.frames, c.quit = make(chan frameIn), make(chan struct{})
	done := make(chan struct{})
	go c.readLoop(done)
	defer func() {
		close(c.quit)
		c.s.Close()
		<-done
	}()
	for {
		in, ok := c.next()
		if !ok || !c.serveOne(in) {
			return
		}
	}
}

// readLoop reads frames until an error, which it passes on too.
func (c *conn) readLoop(done chan struct{}) {
	defer close(done)
	for {
		b, err := readFrame(c.s, wire.MaxRequestFrame)
		select {
		case c.frames <- frameIn{b, err}:
		case <-c.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// next returns the next frame, or false if the server closed or the
// stream idled past IdleTimeout.
func (c *conn) next() (frameIn, bool) {
	if p := c.pending; p != nil {
		c.pending = nil
		return *p, true
	}
	idle := time.NewTimer(c.srv.cfg.IdleTimeout)
	defer idle.Stop()
	select {
	case in := <-c.frames:
		return in, true
	case <-idle.C:
	case <-c.srv.ctx.Done():
	}
	return frameIn{}, false
}

// serveOne answers one frame; false ends the stream.
func (c *conn) serveOne(in frameIn) bool {
	if in.err != nil {
		if isMalformed(in.err) {
			c.malformed()
		}
		return false
	}
	defer clear(in.b) // it may hold a secret; the store has copied the envelope
	req, err := wire.DecodeRequest(in.b)
	if err != nil {
		c.malformed()
		return false
	}
	if d, ok := req.(wire.Deposit); ok {
		return c.serveDeposits(d)
	}
	resp := c.handle(req)
	return c.write(resp) == nil
}

// maxPipelined bounds the deposits of one stream waiting for the
// committer at once.
const maxPipelined = 64

// inflight is a deposit handed to the committer and not yet answered;
// buf is its frame, which the committer reads until it answers.
type inflight struct {
	m   wire.Deposit
	o   *op // nil: refused before the committer took it
	buf []byte
}

// serveDeposits answers a run of pipelined deposits: each goes to the
// committer as soon as its frame is read, while earlier ones commit, so the
// deposits a client pipelines share transactions (one fsync for as many as
// arrived during the previous commit instead of one each); answers go out
// in order. A frame that is not a deposit ends the run and is kept for the
// next round. first's frame is the caller's.
func (c *conn) serveDeposits(first wire.Deposit) bool {
	run := []inflight{c.submitDeposit(first, nil)}
	ok := true
	for len(run) > 0 {
		head := run[0]
		var frames chan frameIn
		if ok && c.pending == nil && len(run) < maxPipelined {
			frames = c.frames
		}
		res := opRes{err: errClosed}
		if head.o != nil {
			select {
			case in := <-frames:
				run = c.nextDeposit(run, in)
				continue
			case res = <-head.o.res:
			}
		}
		ok = ok && c.write(c.srv.depositAnswer(head.m, res.r, res.err)) == nil
		clear(head.buf)
		run = run[1:]
	}
	return ok
}

// nextDeposit hands the frame in to the committer if it is a deposit, and
// otherwise keeps it for the next round.
func (c *conn) nextDeposit(run []inflight, in frameIn) []inflight {
	req, err := wire.DecodeRequest(in.b)
	d, isDep := req.(wire.Deposit)
	if in.err != nil || err != nil || !isDep {
		c.pending = &in
		return run
	}
	return append(run, c.submitDeposit(d, in.b))
}

func (c *conn) submitDeposit(d wire.Deposit, buf []byte) inflight {
	o, _ := c.srv.submit(&op{dep: c.srv.depositRow(d)})
	return inflight{m: d, o: o, buf: buf}
}

// isMalformed tells a bad frame (header refused, or cut short) from an
// orderly end of stream or a failed stream.
func isMalformed(err error) bool {
	return errors.Is(err, wire.ErrMalformed) || errors.Is(err, wire.ErrTooLarge) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// malformed counts a bad frame and answers ERROR(malformed) if the peer
// still reads; the caller then closes the stream.
func (c *conn) malformed() {
	c.srv.st.malformed.Add(1)
	c.srv.cfg.Logger.Debug("mailbox: malformed frame; closing stream")
	_ = c.write(wire.Error{Code: wire.CodeMalformed})
}

// write sends one response, closing the stream if the peer does not take
// it within WriteTimeout (streams have no deadlines).
func (c *conn) write(m wire.Response) error {
	b, err := wire.AppendResponse(nil, m)
	if err != nil {
		return err
	}
	t := time.AfterFunc(c.srv.cfg.WriteTimeout, func() { c.s.Close() })
	defer t.Stop()
	_, err = c.s.Write(b)
	return err
}

// wait blocks until ch is closed (true), or d passes, the server closes,
// or the stream sends something (false; a frame is kept for next).
func (c *conn) wait(ch chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case in := <-c.frames:
		c.pending = &in
	case <-t.C:
	case <-c.srv.ctx.Done():
	}
	return false
}
