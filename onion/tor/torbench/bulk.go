package torbench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/warrennet/warren/onion/tor"
)

// blockSize is the size of the random block generated once and sent over
// and over (a multiple of ChunkSize). Tor encrypts every cell at every
// hop and compresses nothing, so the content does not affect the figure.
const blockSize = 1 << 20

// socksUser is the SOCKS username of the bulk stream (tor's SocksPort
// from onion/tor's Launch isolates streams by it).
const socksUser = "torbench"

// payload is the bulk content: block repeated up to size bytes.
type payload struct {
	block []byte
	size  int64
}

func newPayload(size int64) (payload, [sha256.Size]byte, error) {
	p := payload{block: make([]byte, blockSize), size: size}
	if _, err := rand.Read(p.block); err != nil {
		return payload{}, [sha256.Size]byte{}, err
	}
	h := sha256.New()
	for off := int64(0); off < size; off += ChunkSize {
		h.Write(p.chunk(off))
	}
	return p, [sha256.Size]byte(h.Sum(nil)), nil
}

// chunk returns the (at most ChunkSize) bytes of the payload at off, a
// multiple of ChunkSize.
func (p payload) chunk(off int64) []byte {
	start := off % blockSize
	return p.block[start : start+min(ChunkSize, p.size-off)]
}

// measureBulk sends b.s.Bytes to an in-process sink through a stream that
// it attaches to a fresh circuit on p, and returns the time from the
// first write to the sink's count reaching Bytes.
func (b *bench) measureBulk(ctx context.Context, p path) (time.Duration, error) {
	data, sum, err := newPayload(b.s.Bytes)
	if err != nil {
		return 0, fmt.Errorf("%w: generating the payload: %w", ErrTransfer, err)
	}
	sk, err := startSink(b.s.Bytes, sum)
	if err != nil {
		return 0, err
	}
	defer sk.close()
	conn, circ, err := b.openStream(ctx, p, sk)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	defer b.ctl.closeCircuit(context.WithoutCancel(ctx), circ)
	return send(ctx, conn, data, sk)
}

// bulkDeadline bounds the transfer of size bytes: bulkGrace plus the time
// it takes at minRate.
func bulkDeadline(size int64) time.Duration {
	return bulkGrace + time.Duration(float64(size)/minRate*float64(time.Second))
}

// send writes the payload to conn in ChunkSize writes and waits for the
// sink to count all of it; it returns the time from the first write to
// the last byte counted.
func send(ctx context.Context, conn net.Conn, data payload, sk *sink) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, bulkDeadline(data.size))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	first := time.Now()
	for off := int64(0); off < data.size; off += ChunkSize {
		if _, err := conn.Write(data.chunk(off)); err != nil {
			return 0, fmt.Errorf("%w: writing after %d bytes: %w", ErrTransfer, off, ctxOr(ctx, err))
		}
	}
	end, err := sk.result(ctx)
	if err != nil {
		return 0, err
	}
	return end.Sub(first), nil
}

// ctxOr returns ctx's error when ctx has ended (a cut write or read
// surfaces as a timeout), else err without the addresses a *net.OpError
// carries.
func ctxOr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}

// openStream builds a circuit on p and opens a SOCKS stream to the sink
// that tor leaves for us to attach (__LeaveStreamsUnattached), attaches it
// to that circuit and checks tor reports it there. It returns the stream
// and the circuit's ID.
func (b *bench) openStream(ctx context.Context, p path, sk *sink) (net.Conn, string, error) {
	ctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	for _, cmd := range []string{"SETCONF __LeaveStreamsUnattached=1", "SETEVENTS CIRC STREAM"} {
		if _, err := b.ctl.do(ctx, cmd); err != nil {
			return nil, "", err
		}
	}
	circ, took, err := b.ctl.build(ctx, p)
	if err != nil {
		if circ != "" {
			b.ctl.closeCircuit(ctx, circ)
		}
		return nil, "", err
	}
	b.s.log.Debug("torbench: bulk circuit built", "took", took)
	conn, err := b.attachedDial(ctx, circ, sk)
	if err != nil {
		b.ctl.closeCircuit(context.WithoutCancel(ctx), circ)
		return nil, "", err
	}
	if _, err := b.ctl.do(ctx, "SETEVENTS"); err != nil { // no events during the transfer
		conn.Close()
		return nil, "", err
	}
	return conn, circ, nil
}

// dialResult is what the SOCKS dial goroutine reports.
type dialResult struct {
	conn net.Conn
	err  error
}

// attachedDial dials the sink through tor's SOCKS port in a goroutine,
// waits for tor's STREAM NEW event for it, attaches the stream to circ and
// waits for the dial to finish. The goroutine has ended when it returns.
func (b *bench) attachedDial(ctx context.Context, circ string, sk *sink) (net.Conn, error) {
	host, port, target := sk.target()
	dctx, cancelDial := context.WithCancel(ctx)
	defer cancelDial()
	wctx, cancelWait := context.WithCancel(ctx)
	defer cancelWait()
	res := make(chan dialResult, 1)
	socks := b.client.SocksAddr()
	go func() {
		c, err := tor.DialSOCKS(dctx, socks, host, port, socksUser)
		if err != nil {
			cancelWait() // stop waiting for an event that will not come
		}
		res <- dialResult{c, err}
	}()
	err := b.attach(wctx, circ, target)
	if err != nil {
		cancelDial()
	}
	r := <-res
	switch {
	case r.err != nil:
		return nil, fmt.Errorf("%w: SOCKS: %w", ErrStream, r.err)
	case err != nil:
		r.conn.Close()
		return nil, err
	}
	if err := b.checkStream(ctx, circ, target); err != nil {
		r.conn.Close()
		return nil, err
	}
	return r.conn, nil
}

// attach waits for the STREAM NEW event of a stream to target and
// attaches that stream to circ.
func (b *bench) attach(ctx context.Context, circ, target string) error {
	for {
		e, err := b.ctl.nextEvent(ctx)
		if err != nil {
			return fmt.Errorf("%w: waiting for the stream: %w", ErrStream, err)
		}
		ev, ok := parseStream(e.line)
		if !ok || ev.status != "NEW" || ev.target != target {
			continue
		}
		_, err = b.ctl.do(ctx, "ATTACHSTREAM "+ev.id+" "+circ)
		return err
	}
}

// checkStream asks tor which circuit carries the stream to target and
// fails unless it is circ.
func (b *bench) checkStream(ctx context.Context, circ, target string) error {
	st, err := b.ctl.getInfo(ctx, "stream-status")
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(st, "\n") {
		// "<stream id> <status> <circuit id> <target>"
		f := strings.Fields(line)
		if len(f) == 4 && f[3] == target {
			if f[2] != circ {
				return fmt.Errorf("%w: the stream is not on the measured circuit", ErrStream)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: tor does not list the stream", ErrStream)
}
