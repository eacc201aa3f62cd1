package link

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Frame-size constants, re-exported from package wire.
const (
	// CellSize is the smallest frame body: one circuit cell fills it.
	CellSize = wire.CellSize
	// MaxPayload is the largest payload of one frame (Send, SendBatch).
	MaxPayload = wire.MaxSize
)

// FrameSizes are the padded plaintext body sizes, smallest first. Every
// frame on the wire is one of wire.WireSizes long: 4-byte masked header,
// sealed body, 16-byte tag (frame.go). Read-only.
var FrameSizes = wire.FrameSizes

// Implementation constants.
const (
	readBufferSize = 64 << 10  // bufio in front of the conn
	maxWriteBatch  = 256 << 10 // SendBatch flushes beyond this
	closeTimeout   = 50 * time.Millisecond
)

// Link is an established Noise session over a net.Conn.
//
// Concurrency: Send and SendBatch may be called from any number of
// goroutines (they serialise; a batch is contiguous on the wire). Recv may
// be called from one goroutine at a time (calls serialise, and each call
// invalidates the slice the previous one returned). Close, Peer, Stats and
// ChannelBinding may be called at any time. A Link owns one goroutine, the
// keepalive sender, which Close stops and waits for.
//
// Any I/O, decryption or framing error closes the link; it never recovers
// and the caller dials again. The zero Link is not usable.
type Link struct {
	conn    net.Conn
	p       *prepared
	peer    PeerInfo
	binding [32]byte
	epoch   time.Time    // base of lastSend
	lastW   atomic.Int64 // time.Since(epoch) at the last completed write

	wmu        sync.Mutex
	send       *noise.CipherState
	sendHP     *headerProt
	wbuf       []byte // cap ownWrite, for the link's life; see bufpool.go
	whdr       [wire.HeaderLen]byte
	sinceRekey uint64
	lastRekey  time.Time

	rmu    sync.Mutex
	recv   *noise.CipherState
	recvHP *headerProt
	rd     *bufio.Reader
	rpre   [wire.PrefixLen]byte // masked header and sample, as read
	rhdr   [wire.HeaderLen]byte // unmasked header
	rbuf   []byte               // cap ownRead, for the link's life
	rpool  *[]byte              // pooled body buffer lent to the last Recv, if any

	errMu     sync.Mutex
	err       error
	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	stats     linkStats
}

// Stats counts a link's frames.
type Stats struct {
	SentFrames, RecvFrames         uint64 // all types
	SentKeepalives, RecvKeepalives uint64
	SentRekeys, RecvRekeys         uint64
}

type linkStats struct {
	sentFrames, recvFrames         atomic.Uint64
	sentKeepalives, recvKeepalives atomic.Uint64
	sentRekeys, recvRekeys         atomic.Uint64
}

func newLink(conn net.Conn, p *prepared, s *session, keepalive bool) *Link {
	l := &Link{
		conn: conn, p: p, peer: s.peer, binding: s.binding, epoch: time.Now(),
		send: s.send, recv: s.recv, lastRekey: p.now(),
		sendHP:  headerProtOf(s.send, &s.binding),
		recvHP:  headerProtOf(s.recv, &s.binding),
		rd:      bufio.NewReaderSize(conn, readBufferSize),
		wbuf:    make([]byte, 0, ownWrite),
		rbuf:    make([]byte, ownRead),
		closing: make(chan struct{}),
	}
	if keepalive {
		l.wg.Add(1)
		go l.keepaliveLoop()
	}
	return l
}

// Peer describes the other end.
func (l *Link) Peer() PeerInfo { return l.peer }

// ChannelBinding returns the Noise handshake hash, unique to this session;
// upper layers may sign it to bind their own authentication to the link.
func (l *Link) ChannelBinding() [32]byte { return l.binding }

// RemoteAddr returns the conn's remote address.
func (l *Link) RemoteAddr() net.Addr { return l.conn.RemoteAddr() }

// Stats returns a snapshot of the frame counters.
func (l *Link) Stats() Stats {
	return Stats{
		SentFrames: l.stats.sentFrames.Load(), RecvFrames: l.stats.recvFrames.Load(),
		SentKeepalives: l.stats.sentKeepalives.Load(), RecvKeepalives: l.stats.recvKeepalives.Load(),
		SentRekeys: l.stats.sentRekeys.Load(), RecvRekeys: l.stats.recvRekeys.Load(),
	}
}

// Close closes the link: it sends a close frame if no write is in progress
// (best effort, waiting at most 50 ms), closes the conn, and waits for the
// keepalive goroutine. It is idempotent and always returns nil.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		close(l.closing)
		if l.wmu.TryLock() {
			if l.setErr(ErrClosed) {
				l.writeCloseLocked()
			}
			l.wmu.Unlock()
		}
		l.fail(ErrClosed)
		l.wg.Wait()
	})
	return nil
}

func (l *Link) writeCloseLocked() {
	buf, err := l.sealLocked(l.wbuf[:0], wire.FrameClose, nil, 0)
	if err != nil {
		return
	}
	l.conn.SetWriteDeadline(time.Now().Add(min(closeTimeout, l.p.write)))
	l.conn.Write(buf)
}

// setErr records the link's first error; it reports whether err was first.
func (l *Link) setErr(err error) bool {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return false
	}
	l.err = err
	return true
}

// fail records err (if first) and closes the conn, which unblocks any
// pending read or write. It does not wait for anything.
func (l *Link) fail(err error) {
	l.setErr(err)
	l.conn.Close()
}

// Err returns the error that ended the link, or nil while it is up:
// ErrClosed after Close, io.EOF after the peer closed in order.
func (l *Link) Err() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}
