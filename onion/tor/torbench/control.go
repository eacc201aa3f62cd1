package torbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"time"

	"github.com/cretz/bine/control"
)

// maxQueued bounds the asynchronous events kept while waiting for a
// command's reply; older ones are dropped (we subscribe to CIRC and STREAM
// only, a handful per second on this network).
const maxQueued = 1024

// dialTimeout bounds connecting and authenticating to the control port;
// exchangeTimeout bounds an exchange whose context has no deadline.
const (
	dialTimeout     = 10 * time.Second
	exchangeTimeout = 30 * time.Second
)

// ctl is our control connection to the client tor. bine's control.Conn
// authenticates it (PROTOCOLINFO, SAFECOOKIE) and parses replies; we send
// commands and read replies ourselves because bine's SendRequest drops the
// asynchronous events that arrive before a reply, and the measurement
// must see every CIRC and STREAM event. Every exchange runs under the
// caller's context deadline. Not safe for concurrent use.
type ctl struct {
	nc     net.Conn
	tp     *textproto.Conn
	bc     *control.Conn
	log    *slog.Logger
	queued []event // events read while waiting for a reply
}

// event is one asynchronous event line ("CIRC 5 BUILT ...", without the
// "650 ") and when we read it.
type event struct {
	line string
	at   time.Time
}

// dialCtl connects to addr ("127.0.0.1:port") and authenticates with the
// cookie tor names in PROTOCOLINFO.
func dialCtl(ctx context.Context, addr string, log *slog.Logger) (*ctl, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: connecting: %w", ErrControl, ctxOr(ctx, err))
	}
	tp := textproto.NewConn(nc)
	c := &ctl{nc: nc, tp: tp, bc: control.NewConn(tp), log: log}
	err = c.withDeadline(ctx, func() error { return c.bc.Authenticate("") })
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%w: authenticating: %w", ErrControl, err)
	}
	return c, nil
}

// withDeadline runs fn with the connection's deadline set from ctx; ctx's
// cancellation cuts a blocked read or write.
func (c *ctl) withDeadline(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(exchangeTimeout)
	}
	_ = c.nc.SetDeadline(dl)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.nc.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := fn()
	if !stop() {
		<-fired // a late cancellation must not hit the next exchange
	}
	if err != nil {
		return ctxOr(ctx, err)
	}
	return nil
}

// do sends one command and returns its reply. Events that arrive first are
// queued for nextEvent. A refusal (4xx/5xx) is an error wrapping
// ErrControl with tor's reply text, which may name a relay of the private
// network: its throwaway fingerprints and 127.0.0.1 addresses reveal
// nothing (tornet's StartError makes the same call).
func (c *ctl) do(ctx context.Context, cmd string) (*control.Response, error) {
	var resp *control.Response
	err := c.withDeadline(ctx, func() error {
		if err := c.tp.PrintfLine("%s", cmd); err != nil {
			return err
		}
		for {
			r, err := c.bc.ReadResponse()
			if err != nil {
				return err
			}
			if !r.IsAsync() {
				resp = r
				return nil
			}
			c.queue(event{r.Reply, time.Now()})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrControl, verb(cmd), err)
	}
	if !resp.IsOk() {
		return nil, fmt.Errorf("%w: %s: tor replied %d %s", ErrControl, verb(cmd), resp.Err.Code, resp.Reply)
	}
	return resp, nil
}

// verb is a command's first word, for errors (the rest may hold
// fingerprints and addresses, which stay out of Error()).
func verb(cmd string) string {
	v, _, _ := strings.Cut(cmd, " ")
	return v
}

func (c *ctl) queue(e event) {
	if len(c.queued) == maxQueued {
		c.queued = c.queued[1:]
	}
	c.queued = append(c.queued, e)
}

// nextEvent returns the oldest queued event, or reads the next one.
func (c *ctl) nextEvent(ctx context.Context) (event, error) {
	if len(c.queued) > 0 {
		e := c.queued[0]
		c.queued = c.queued[1:]
		return e, nil
	}
	var e event
	err := c.withDeadline(ctx, func() error {
		r, err := c.bc.ReadResponse()
		if err != nil {
			return err
		}
		if !r.IsAsync() {
			return errors.New("reply without a command")
		}
		e = event{r.Reply, time.Now()}
		return nil
	})
	if err != nil {
		return event{}, fmt.Errorf("%w: reading events: %w", ErrControl, err)
	}
	return e, nil
}

// getInfo returns the value of one GETINFO key (one-line or data block).
func (c *ctl) getInfo(ctx context.Context, key string) (string, error) {
	resp, err := c.do(ctx, "GETINFO "+key)
	if err != nil {
		return "", err
	}
	for _, d := range resp.Data {
		k, v, ok := strings.Cut(d, "=")
		if !ok || k != key {
			continue
		}
		if block, isBlock := strings.CutPrefix(v, "\r\n"); isBlock {
			return strings.ReplaceAll(block, "\r", ""), nil
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: GETINFO reply lacks the key", ErrControl)
}

// close closes the connection without a QUIT exchange (tor drops our
// event subscriptions and closes nothing else).
func (c *ctl) close() { _ = c.nc.Close() }

// parseControlPortFile parses "PORT=127.0.0.1:9051\n", what tor writes
// for ControlPortWriteToFile; only a loopback address is accepted. Pure.
func parseControlPortFile(s string) (string, error) {
	addr, ok := strings.CutPrefix(strings.TrimSuffix(s, "\n"), "PORT=")
	if !ok {
		return "", fmt.Errorf("%w: malformed control-port file", ErrControl)
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return "", fmt.Errorf("%w: control port is not a loopback address", ErrControl)
	}
	return addr, nil
}
