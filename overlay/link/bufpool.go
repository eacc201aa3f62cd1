package link

import (
	"sync"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Buffer policy. A Link keeps for its whole life one write buffer and one
// read buffer sized for cell frames, the steady-state traffic of a relay,
// so sending and receiving cells never allocates. Anything larger (a
// batch, a frame of class 1-3) borrows a buffer from a process-wide pool:
// a write returns it as soon as the bytes are written, Recv at its next
// call (the payload it returned is valid until then). So whatever a peer
// sent, a link at rest holds ~1.6 KiB of frame buffers (plus its bufio
// reader), and the large buffers are shared by all links.
const (
	cellWire = wire.MaskedHeaderLen + wire.CellSize + wire.TagLen
	// ownWrite fits a cell or control frame preceded by a rekey frame.
	ownWrite = 2 * cellWire
	// ownRead fits a sealed cell body.
	ownRead = wire.CellSize + wire.TagLen
)

// poolCaps are the capacities of the pooled buffers, smallest first: a
// frame of class 1, 2 or 3 preceded by a rekey frame (these also hold a
// sealed body of that class), and a full SendBatch write.
var poolCaps = [...]int{
	wire.MaskedHeaderLen + wire.MediumSize + wire.TagLen + cellWire,
	wire.MaskedHeaderLen + wire.LargeSize + wire.TagLen + cellWire,
	wire.MaxWireFrame + cellWire,
	maxWriteBatch + cellWire,
}

var pools [len(poolCaps)]sync.Pool // of *[]byte with len 0 and a cap from poolCaps

// getBuf returns an empty pooled buffer with room for n bytes (n at most
// the last poolCaps entry). Callers give it back with putBuf.
func getBuf(n int) *[]byte {
	for i, c := range poolCaps {
		if n > c {
			continue
		}
		if bp, ok := pools[i].Get().(*[]byte); ok {
			return bp
		}
		b := make([]byte, 0, c)
		return &b
	}
	b := make([]byte, 0, n) // unreachable: callers bound n
	return &b
}

// putBuf returns bp to its pool. bp must not be used afterwards.
func putBuf(bp *[]byte) {
	for i, c := range poolCaps {
		if cap(*bp) == c {
			*bp = (*bp)[:0]
			pools[i].Put(bp)
			return
		}
	}
}
