package mailbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/warrennet/warren/messaging/mailbox/wire"
)

// roundTrip sends req and reads its answer. An ERROR answer becomes its
// sentinel; ERROR(malformed) also breaks the client (the mailbox closes
// the stream after it).
func (c *Client) roundTrip(ctx context.Context, req wire.Request) (wire.Response, error) {
	frame, err := wire.AppendRequest(nil, req)
	if err != nil {
		return nil, ErrMalformed
	}
	defer clear(frame) // it may hold the secret
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, ErrBroken
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.s.Close() })
	resp, err := c.exchange(frame)
	if !stop() {
		c.breakLocked()
		return nil, ctx.Err()
	}
	if err != nil {
		c.breakLocked()
		return nil, err
	}
	if e, ok := resp.(wire.Error); ok {
		if e.Code == wire.CodeMalformed {
			c.breakLocked()
		}
		return nil, codeErr(e.Code)
	}
	return resp, nil
}

func (c *Client) exchange(frame []byte) (wire.Response, error) {
	if _, err := c.s.Write(frame); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	b, err := readFrame(c.s, wire.MaxResponseFrame)
	if errors.Is(err, wire.ErrMalformed) || errors.Is(err, wire.ErrTooLarge) {
		return nil, ErrProtocol
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	resp, err := wire.DecodeResponse(b)
	if err != nil {
		return nil, ErrProtocol
	}
	return resp, nil
}

func (c *Client) breakLocked() {
	c.broken = true
	c.s.Close()
}

// violation breaks the client after an answer of the wrong kind.
func (c *Client) violation() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.breakLocked()
	return ErrProtocol
}
