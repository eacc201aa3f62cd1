package link

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Recv returns the payload of the next data frame; keepalive and rekey
// frames are handled inside. The slice is valid until the next Recv (a
// large payload's buffer then goes back to a pool shared by all links, so
// a caller must copy what it keeps). It returns io.EOF after the peer
// closed the link in order, and an error (closing the link) on any
// failure, including no frame for IdleTimeout while Recv waits.
func (l *Link) Recv() ([]byte, error) {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	for {
		l.releaseBodyLocked()
		if err := l.Err(); err != nil {
			return nil, err
		}
		h, body, err := l.readFrameLocked()
		if err != nil {
			l.releaseBodyLocked()
			return nil, l.failWith(err)
		}
		l.stats.recvFrames.Add(1)
		switch h.Type {
		case wire.FrameData:
			return body[:h.Length], nil
		case wire.FrameKeepalive:
			l.stats.recvKeepalives.Add(1)
		case wire.FrameRekey:
			l.recv.Rekey()
			l.stats.recvRekeys.Add(1)
		case wire.FrameClose:
			return nil, l.failWith(io.EOF)
		}
	}
}

// readFrameLocked reads and opens one frame (frame.go). It reads the
// masked header and the sample, unmasks the header and checks it before
// reading the rest of the body, so the body buffer never exceeds the
// (bounded) class size it declares; the AEAD then authenticates the body
// and the header together.
func (l *Link) readFrameLocked() (wire.Header, []byte, error) {
	// The idle deadline matters only when a read may block: with a whole
	// prefix already buffered none will, and setting a deadline (a timer
	// update in the runtime) per frame costs a tenth of a cell's work.
	if l.rd.Buffered() < len(l.rpre) {
		l.conn.SetReadDeadline(time.Now().Add(l.p.idle))
	}
	if _, err := io.ReadFull(l.rd, l.rpre[:]); err != nil {
		return wire.Header{}, nil, readErr(err)
	}
	sample := l.rpre[wire.MaskedHeaderLen:]
	copy(l.rhdr[:], l.rpre[:wire.MaskedHeaderLen])
	l.recvHP.apply(l.rhdr[:], sample)
	h, err := wire.ParseHeader(l.rhdr[:])
	if err != nil {
		return wire.Header{}, nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	sealed := l.bodyBufLocked(h.BodyLen() + wire.TagLen)
	n := copy(sealed, sample)
	if _, err := io.ReadFull(l.rd, sealed[n:]); err != nil {
		return wire.Header{}, nil, readErr(err)
	}
	body, err := l.recv.Decrypt(sealed[:0], l.rhdr[:], sealed)
	if err != nil {
		return wire.Header{}, nil, ErrDecrypt
	}
	if !allZero(body[h.Length:]) {
		return wire.Header{}, nil, fmt.Errorf("%w: %w", ErrProtocol, errPadding)
	}
	return h, body, nil
}

// bodyBufLocked returns an n-byte buffer for a sealed body: the link's own
// for a cell, else a pooled one kept in rpool until the next Recv.
func (l *Link) bodyBufLocked(n int) []byte {
	if n <= cap(l.rbuf) {
		return l.rbuf[:n]
	}
	l.rpool = getBuf(n)
	return (*l.rpool)[:n]
}

// releaseBodyLocked returns the pooled body buffer of the previous frame.
func (l *Link) releaseBodyLocked() {
	if l.rpool != nil {
		putBuf(l.rpool)
		l.rpool = nil
	}
}

var errPadding = errors.New("link: non-zero padding")

func allZero(b []byte) bool {
	var acc byte
	for _, x := range b {
		acc |= x
	}
	return acc == 0
}

// readErr turns an EOF without a close frame into io.ErrUnexpectedEOF: an
// attacker who cuts the conn must not look like an orderly close.
func readErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return redact(err)
}

// Buffered reports whether a whole frame prefix (masked header and
// sample) is already buffered, so the next Recv will likely not wait for
// the network. Callers use it to batch work (a circuit channel defers
// waking its writers until its reader would block). Call it from the
// goroutine that calls Recv.
func (l *Link) Buffered() bool {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	return l.rd.Buffered() >= wire.PrefixLen
}
