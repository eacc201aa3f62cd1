package mailbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/warrennet/warren/messaging/envelope"
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
	return c.readResponse()
}

// readResponse reads and decodes one answer.
func (c *Client) readResponse() (wire.Response, error) {
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

// DepositMany deposits envs into q pipelined: every request is written
// before any answer is read, so the mailbox commits them together. It
// returns how many envelopes, from the first, the mailbox stored (or
// already had), and the first error; answers after an error still count
// as read, so the client stays usable after a mailbox's refusal.
func (c *Client) DepositMany(ctx context.Context, q QueueID, envs [][]byte) (int, error) {
	var frames []byte
	for _, env := range envs {
		if !envelope.ValidSize(len(env)) {
			return 0, ErrMalformed
		}
		var err error
		if frames, err = wire.AppendRequest(frames, wire.Deposit{Queue: q, Envelope: env}); err != nil {
			return 0, ErrMalformed
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return 0, ErrBroken
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { c.s.Close() })
	n, err := c.pipeline(frames, len(envs))
	if !stop() {
		c.breakLocked()
		if n == len(envs) {
			return n, nil // every answer was read before ctx ended
		}
		return n, ctx.Err()
	}
	return n, err
}

// pipeline writes frames while it reads count answers, each OK or ERROR
// (writing first could deadlock against a mailbox answering the first
// requests while the stream has no room for the rest).
func (c *Client) pipeline(frames []byte, count int) (int, error) {
	werr := make(chan error, 1)
	go func() { _, err := c.s.Write(frames); werr <- err }()
	n, refused, err := c.readAnswers(count)
	if err != nil {
		c.breakLocked() // unblocks the writer
	}
	if e := <-werr; e != nil && err == nil {
		c.breakLocked()
		if n == count {
			return n, nil // all answered: the write error came after
		}
		return n, fmt.Errorf("%w: %v", ErrUnavailable, e)
	}
	if err != nil {
		return n, err
	}
	return n, refused
}

// readAnswers reads count deposit answers: how many OKs came before the
// first refusal, that refusal, and any failure that breaks the stream.
func (c *Client) readAnswers(count int) (int, error, error) {
	stored := 0
	var first error
	for range count {
		resp, err := c.readResponse()
		if err != nil {
			return stored, first, err
		}
		switch r := resp.(type) {
		case wire.OK:
			if first == nil {
				stored++
			}
		case wire.Error:
			if r.Code == wire.CodeMalformed {
				return stored, first, codeErr(r.Code)
			}
			if first == nil {
				first = codeErr(r.Code)
			}
		default:
			return stored, first, ErrProtocol
		}
	}
	return stored, first, nil
}
