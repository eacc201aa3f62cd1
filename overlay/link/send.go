package link

import (
	"time"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Send sends p as one data frame padded to the smallest frame size that
// holds it. A payload over MaxPayload returns ErrTooLarge and leaves the
// link up; any other error closes the link.
func (l *Link) Send(p []byte) error {
	if len(p) > MaxPayload {
		return ErrTooLarge
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.Err(); err != nil {
		return err
	}
	real, now := l.clocks()
	bp, buf := l.wbufLocked(wireSize(len(p)) + cellWire)
	defer release(bp)
	buf, err := l.appendDataLocked(buf, p, now)
	if err != nil {
		return l.failWith(err)
	}
	return l.writeLocked(buf, real)
}

// wbufLocked returns an empty buffer with room for n bytes: the link's own
// if it fits, else a pooled one (bp) that the caller releases after the
// write.
func (l *Link) wbufLocked(n int) (bp *[]byte, buf []byte) {
	if n <= cap(l.wbuf) {
		return nil, l.wbuf[:0]
	}
	bp = getBuf(n)
	return bp, *bp
}

// release returns a pooled buffer, if any.
func release(bp *[]byte) {
	if bp != nil {
		putBuf(bp)
	}
}

// clocks reads the real clock (for deadlines) and the Config's clock (for
// rekeying), once when they are the same.
func (l *Link) clocks() (real, now time.Time) {
	real = time.Now()
	if l.p.realClock {
		return real, real
	}
	return real, l.p.now()
}

// SendBatch sends each payload as its own data frame, in order, with as
// few writes as possible (one per 256 KiB): use it for bursts of cells.
// Sizes are checked first; on ErrTooLarge nothing is sent.
func (l *Link) SendBatch(ps [][]byte) error {
	need := 0
	for _, p := range ps {
		if len(p) > MaxPayload {
			return ErrTooLarge
		}
		need = min(need+wireSize(len(p)), maxWriteBatch)
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.Err(); err != nil {
		return err
	}
	real, now := l.clocks()
	bp, buf := l.wbufLocked(l.batchBufSize(need, len(ps)))
	defer release(bp)
	for _, p := range ps {
		if len(buf) > 0 && len(buf)+wireSize(len(p)) > maxWriteBatch {
			if err := l.writeLocked(buf, real); err != nil {
				return err
			}
			buf = buf[:0]
		}
		var err error
		if buf, err = l.appendDataLocked(buf, p, now); err != nil {
			return l.failWith(err)
		}
	}
	if len(buf) == 0 {
		return nil
	}
	return l.writeLocked(buf, real)
}

// batchBufSize is the buffer a batch of frames whose data frames take need
// bytes (capped at maxWriteBatch) uses: room for the rekey frames mixed in,
// one at most per RekeyMessages frames (the clock does not move within a
// batch), and never more than one write's worth, maxWriteBatch plus the
// rekey frame that may precede the frame that fills it.
func (l *Link) batchBufSize(need, frames int) int {
	rekeys := 1 + uint64(frames)/l.p.rekeyMessages
	return int(min(uint64(need)+rekeys*cellWire, maxWriteBatch+cellWire))
}

func wireSize(n int) int {
	c, _ := wire.ClassFor(n)
	return wire.WireSizes[c]
}

func (l *Link) failWith(err error) error {
	l.fail(err)
	return l.Err()
}

// writeLocked writes buf under the write deadline; real is the time the
// send began (a write counts for the keepalive timer from then).
func (l *Link) writeLocked(buf []byte, real time.Time) error {
	l.conn.SetWriteDeadline(real.Add(l.p.write))
	if _, err := l.conn.Write(buf); err != nil {
		return l.failWith(redact(err))
	}
	l.lastW.Store(int64(real.Sub(l.epoch)))
	return nil
}

// appendDataLocked appends a data frame, preceded by a rekey frame when
// the sending key is due for one.
func (l *Link) appendDataLocked(dst, p []byte, now time.Time) ([]byte, error) {
	dst, err := l.maybeRekeyLocked(dst, now)
	if err != nil {
		return nil, err
	}
	c, _ := wire.ClassFor(len(p))
	return l.sealLocked(dst, wire.FrameData, p, c)
}

// maybeRekeyLocked appends a rekey frame and rekeys the sending cipher
// state after RekeyMessages frames or RekeyInterval, whichever is first.
func (l *Link) maybeRekeyLocked(dst []byte, now time.Time) ([]byte, error) {
	if l.sinceRekey < l.p.rekeyMessages && now.Sub(l.lastRekey) < l.p.rekeyEvery {
		return dst, nil
	}
	dst, err := l.sealLocked(dst, wire.FrameRekey, nil, 0)
	if err != nil {
		return nil, err
	}
	l.send.Rekey()
	l.sinceRekey, l.lastRekey = 0, now
	l.stats.sentRekeys.Add(1)
	return dst, nil
}

// sealLocked appends one frame (frame.go): the masked header, then the
// body padded to class c and sealed in place.
func (l *Link) sealLocked(dst []byte, t wire.FrameType, p []byte, c uint8) ([]byte, error) {
	size := wire.SizeOf(c)
	dst = grow(dst, wire.MaskedHeaderLen+size+wire.TagLen)
	wire.Header{Type: t, Class: c, Length: uint16(len(p))}.Put(&l.whdr)
	dst, err := sealFrame(dst, l.send, l.sendHP, &l.whdr, p, size)
	if err != nil {
		return nil, err
	}
	l.sinceRekey++
	l.stats.sentFrames.Add(1)
	return dst, nil
}

// grow makes room for n more bytes without reallocating during sealing.
// Buffers are sized beforehand (wbufLocked), so it copies only if that
// sizing was wrong; the copy is then dropped after the write.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), max(2*cap(b), len(b)+n))
	copy(nb, b)
	return nb
}

// keepaliveLoop sends a keepalive frame whenever nothing was written for
// KeepaliveInterval. It exits on Close or on a write error.
func (l *Link) keepaliveLoop() {
	defer l.wg.Done()
	t := time.NewTimer(l.p.keepalive)
	defer t.Stop()
	for {
		select {
		case <-l.closing:
			return
		case <-t.C:
		}
		idle := time.Since(l.epoch) - time.Duration(l.lastW.Load())
		if idle < l.p.keepalive {
			t.Reset(l.p.keepalive - idle)
			continue
		}
		if l.sendControl(wire.FrameKeepalive) != nil {
			return
		}
		l.stats.sentKeepalives.Add(1)
		t.Reset(l.p.keepalive)
	}
}

func (l *Link) sendControl(t wire.FrameType) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.Err(); err != nil {
		return err
	}
	real, now := l.clocks()
	buf, err := l.maybeRekeyLocked(l.wbuf[:0], now)
	if err == nil {
		buf, err = l.sealLocked(buf, t, nil, 0)
	}
	if err != nil {
		return l.failWith(err)
	}
	return l.writeLocked(buf, real)
}
