package mailbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox/wire"
	"github.com/warrennet/warren/onion/circapi"
)

// Client speaks the mailbox protocol over one stream. It is safe for
// concurrent use; calls are serialised (one request in flight). A call
// whose ctx ends closes the stream, since streams have no deadlines. After
// a failure of the stream or the protocol (ErrUnavailable from I/O,
// ErrProtocol, ErrMalformed, a cancelled ctx), every later call returns
// ErrBroken: open a new stream. Answers a mailbox gives in the protocol
// (ErrNoQueue, ErrQueueFull, ErrMailboxFull, ErrUnavailable sent by the
// mailbox) leave the client usable.
type Client struct {
	mu     sync.Mutex
	s      circapi.Stream
	rand   io.Reader
	broken bool
}

// NewClient returns a client on s; secrets come from crypto/rand.
func NewClient(s circapi.Stream) *Client { return NewClientRand(s, rand.Reader) }

// NewClientRand returns a client on s whose secrets come from r.
func NewClientRand(s circapi.Stream, r io.Reader) *Client {
	return &Client{s: circapi.CloseOnce(s), rand: r}
}

// Close closes the stream; later calls return ErrBroken.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = true
	return c.s.Close()
}

// Create asks for a new queue and returns its ID and the secret that
// fetches from it (the mailbox keeps only the secret's hash).
func (c *Client) Create(ctx context.Context) (QueueID, Secret, error) {
	var sec Secret
	if _, err := io.ReadFull(c.rand, sec[:]); err != nil {
		return QueueID{}, Secret{}, fmt.Errorf("mailbox: generating secret: %w", err)
	}
	resp, err := c.roundTrip(ctx, wire.Create{Auth: wire.AuthOf(&sec)})
	if err != nil {
		sec.Zero()
		return QueueID{}, Secret{}, err
	}
	created, ok := resp.(wire.Created)
	if !ok {
		sec.Zero()
		return QueueID{}, Secret{}, c.violation()
	}
	return created.Queue, sec, nil
}

// Deposit stores env (one of envelope.Sizes long) in queue q. Once it
// returns nil the mailbox has the envelope on disk. Depositing the same
// bytes again, even after the owner acked them, stores nothing and
// returns nil.
func (c *Client) Deposit(ctx context.Context, q QueueID, env []byte) error {
	if !envelope.ValidSize(len(env)) {
		return ErrMalformed
	}
	return c.expectOK(ctx, wire.Deposit{Queue: q, Envelope: env})
}

// Fetch returns up to limit (clamped to 1..255) of the queue's messages,
// oldest first, as many as fit one answer. If the queue is empty and
// wait > 0 the mailbox holds the answer until a deposit arrives or wait
// (rounded up to whole seconds, at most 60 s) passes, then may answer
// none. Each message's ID is checked against its envelope.
func (c *Client) Fetch(ctx context.Context, q QueueID, secret Secret, wait time.Duration, limit int) ([]Message, error) {
	req := wire.Fetch{Queue: q, Secret: secret, Wait: waitSeconds(wait), Max: uint8(min(max(limit, 1), 255))}
	defer req.Secret.Zero()
	return c.fetch(ctx, req, req.Max)
}

// FetchAck acks the messages named in ack (as Ack) and then fetches (as
// Fetch), in one round trip when ack holds at most 64 IDs (more are
// acked first in requests of their own). Once it returns, with or without
// messages, the acked ones are deleted; if it fails, they may or may not
// be.
func (c *Client) FetchAck(ctx context.Context, q QueueID, secret Secret, ack []MsgID, wait time.Duration, limit int) ([]Message, error) {
	if len(ack) == 0 {
		return c.Fetch(ctx, q, secret, wait, limit)
	}
	if n := len(ack) - wire.MaxAck; n > 0 {
		if err := c.Ack(ctx, q, secret, ack[:n]); err != nil {
			return nil, err
		}
		ack = ack[n:]
	}
	req := wire.FetchAck{Queue: q, Secret: secret, Wait: waitSeconds(wait), Max: uint8(min(max(limit, 1), 255)), IDs: ack}
	defer req.Secret.Zero()
	return c.fetch(ctx, req, req.Max)
}

// fetch sends a FETCH or FETCHACK and checks its MSGS answer.
func (c *Client) fetch(ctx context.Context, req wire.Request, max uint8) ([]Message, error) {
	resp, err := c.roundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	msgs, ok := resp.(wire.Msgs)
	if !ok || len(msgs.Messages) > int(max) {
		return nil, c.violation()
	}
	out := make([]Message, len(msgs.Messages))
	for i, m := range msgs.Messages {
		if wire.MsgIDOf(m.Envelope) != m.ID {
			return nil, c.violation()
		}
		out[i] = Message{ID: m.ID, Envelope: m.Envelope}
	}
	return out, nil
}

func waitSeconds(d time.Duration) uint8 {
	if d <= 0 {
		return 0
	}
	return uint8(min((d+time.Second-1)/time.Second, wire.MaxWait))
}

// Ack deletes the named messages from the queue (unknown IDs are
// ignored), in requests of up to 64 IDs.
func (c *Client) Ack(ctx context.Context, q QueueID, secret Secret, ids []MsgID) error {
	for len(ids) > 0 {
		n := min(len(ids), wire.MaxAck)
		if err := c.expectOK(ctx, wire.Ack{Queue: q, Secret: secret, IDs: ids[:n]}); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// Delete removes the queue and its messages.
func (c *Client) Delete(ctx context.Context, q QueueID, secret Secret) error {
	return c.expectOK(ctx, wire.Delete{Queue: q, Secret: secret})
}

func (c *Client) expectOK(ctx context.Context, req wire.Request) error {
	resp, err := c.roundTrip(ctx, req)
	if err != nil {
		return err
	}
	if _, ok := resp.(wire.OK); !ok {
		return c.violation()
	}
	return nil
}
