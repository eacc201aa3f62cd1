package torbench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// sinkBuf is the sink's read buffer.
const sinkBuf = 64 << 10

// sink is a TCP listener on 127.0.0.1 that takes one connection (the
// exit's) and counts and hashes what arrives. It notes the moment the
// count reaches want. It owns one goroutine; close stops it and waits.
// Its methods are safe for concurrent use; results are valid once done is
// closed.
type sink struct {
	ln      net.Listener
	want    int64
	wantSum [sha256.Size]byte
	done    chan struct{} // closed when want bytes arrived, or on failure

	received atomic.Int64 // bytes counted so far

	// Written by the goroutine before done is closed.
	end time.Time // when the count reached want
	err error

	mu        sync.Mutex
	conn      net.Conn // the accepted connection, closed by close
	closed    bool
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// startSink listens on 127.0.0.1:0 for a stream of want bytes whose
// SHA-256 is wantSum.
func startSink(want int64, wantSum [sha256.Size]byte) (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%w: sink: %w", ErrTransfer, ctxOr(context.Background(), err))
	}
	s := &sink{ln: ln, want: want, wantSum: wantSum, done: make(chan struct{})}
	s.wg.Go(s.serve)
	return s, nil
}

// target is the sink's address as tor writes it in STREAM events.
func (s *sink) target() (host string, port uint16, addr string) {
	p := s.ln.Addr().(*net.TCPAddr).Port
	return "127.0.0.1", uint16(p), "127.0.0.1:" + strconv.Itoa(p)
}

func (s *sink) serve() {
	defer close(s.done)
	c, err := s.ln.Accept()
	s.ln.Close() // one connection only
	if err != nil {
		s.err = fmt.Errorf("%w: sink accept: %w", ErrTransfer, ctxOr(context.Background(), err))
		return
	}
	s.mu.Lock()
	s.conn = c
	if s.closed {
		c.Close()
	}
	s.mu.Unlock()
	s.err = s.consume(c, sha256.New())
	c.Close()
}

// consume reads until want bytes arrived, then checks their hash.
func (s *sink) consume(r io.Reader, h hash.Hash) error {
	buf := make([]byte, sinkBuf)
	var count int64
	for count < s.want {
		n, err := r.Read(buf[:min(int64(len(buf)), s.want-count)])
		count += int64(n)
		if count == s.want {
			s.end = time.Now() // before hashing: the clock stops at arrival
		}
		s.received.Store(count)
		h.Write(buf[:n])
		if count == s.want {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: sink got %d of %d bytes: %w", ErrTransfer, count, s.want, ctxOr(context.Background(), err))
		}
	}
	if [sha256.Size]byte(h.Sum(nil)) != s.wantSum {
		return fmt.Errorf("%w: the bytes received differ from those sent", ErrTransfer)
	}
	return nil
}

// result waits for the sink to finish, or for ctx to end, and returns
// when the last byte arrived.
func (s *sink) result(ctx context.Context) (time.Time, error) {
	select {
	case <-s.done:
		return s.end, s.err
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("%w: sink got %d of %d bytes: %w", ErrTransfer, s.received.Load(), s.want, ctx.Err())
	}
}

// close stops the listener and the connection and waits for the goroutine.
func (s *sink) close() {
	s.closeOnce.Do(func() {
		s.ln.Close()
		s.mu.Lock()
		s.closed = true
		if s.conn != nil {
			s.conn.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
}
