package tor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cretz/bine/control"
)

// defaultControlTimeout bounds one control-port request when the caller's
// context has no earlier deadline. Tor answers GETINFO and ADD_ONION in
// milliseconds; a tor that takes this long is hung.
const defaultControlTimeout = 15 * time.Second

// ctrl is one control-port connection, spoken through bine's control.Conn
// (PROTOCOLINFO, SAFECOOKIE, reply parsing). We never subscribe to events
// (bine's event loop leaves goroutines behind) and never set its
// DebugWriter (it would log ADD_ONION's key). Every request runs under a
// deadline from ctx (or defaultControlTimeout); a request that fails on
// I/O leaves the reply stream in an unknown state, so the ctrl is then
// marked broken and the Tor dials a new one. Safe for concurrent use:
// requests are serialized.
type ctrl struct {
	mu     sync.Mutex // held for a whole request
	nc     net.Conn
	c      *control.Conn
	broken atomic.Bool // read without mu (Status must not wait on a request)
}

// dialControl connects to a control port on addr ("127.0.0.1:9051" or
// "unix:/path").
func dialControl(ctx context.Context, addr string) (*ctrl, error) {
	network, address := "tcp", addr
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", p
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot connect to the control port: %w", ErrControl, err)
	}
	return &ctrl{nc: nc, c: control.NewConn(textproto.NewConn(nc))}, nil
}

// call runs fn on the bine connection under ctx's deadline.
func (c *ctrl) call(ctx context.Context, fn func(*control.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken.Load() {
		return fmt.Errorf("%w: connection lost", ErrControl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dl := time.Now().Add(defaultControlTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = c.nc.SetDeadline(dl)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.nc.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := fn(c.c)
	if !stop() {
		<-fired // never let a late cancellation hit the next request
	}
	_ = c.nc.SetDeadline(time.Time{})
	if err != nil && !isReplyError(err) {
		c.broken.Store(true)
		_ = c.nc.Close()
	}
	return err
}

// isReplyError reports whether err is tor refusing a command (a 5xx reply)
// rather than an I/O or protocol failure.
func isReplyError(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te)
}

// do sends one command line and returns its reply. A refusal by tor comes
// back as an error wrapping ErrControl and tor's reply text (which for the
// commands we send holds no secrets).
func (c *ctrl) do(ctx context.Context, cmd string) (*control.Response, error) {
	var resp *control.Response
	err := c.call(ctx, func(cc *control.Conn) error {
		var err error
		resp, err = cc.SendRequest("%s", cmd)
		return err
	})
	if err != nil {
		return nil, controlError(err)
	}
	return resp, nil
}

func controlError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrControl) {
		return err
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return fmt.Errorf("%w: tor replied: %w", ErrControl, te)
	}
	return fmt.Errorf("%w: %w", ErrControl, err)
}

// getInfo returns the value of one GETINFO key. Values tor sends on one
// line ("key=value") and as a data block ("key=" CRLF lines) are both
// handled.
func (c *ctrl) getInfo(ctx context.Context, key string) (string, error) {
	resp, err := c.do(ctx, "GETINFO "+key)
	if err != nil {
		return "", err
	}
	return getInfoValue(resp.Data, key)
}

// getInfoValue finds key in a GETINFO reply's data lines. It is pure.
func getInfoValue(data []string, key string) (string, error) {
	for _, d := range data {
		k, v, ok := strings.Cut(d, "=")
		if !ok || k != key {
			continue
		}
		if block, isBlock := strings.CutPrefix(v, "\r\n"); isBlock {
			return strings.ReplaceAll(block, "\r", ""), nil
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: GETINFO reply lacks the requested key", ErrControl)
}

// isBroken reports whether the connection failed or was closed.
func (c *ctrl) isBroken() bool { return c.broken.Load() }

// close closes the connection (tor drops our non-detached state with it).
// It does not wait for a request in flight, which then fails.
func (c *ctrl) close() error {
	c.broken.Store(true)
	return c.nc.Close()
}
