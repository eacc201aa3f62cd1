package link

import (
	"bytes"
	"testing"
)

// Regression: a link used to keep its largest write batch (256 KiB+) and
// its largest received frame (64 KiB) allocated for its whole life, so any
// peer, anonymous included, could pin ~80 KiB per link. After large frames
// and batches both buffers are back to cell size.
func TestLinkBuffersShrinkAfterLargeFrames(t *testing.T) {
	server := newNode(t)
	d, a := linkPair(t, anonConfig(), server.config(), server.remote())
	big := bytes.Repeat([]byte{1}, MaxPayload)
	exchange(t, d, a, big)
	exchange(t, a, d, big)
	batch := make([][]byte, 600)
	for i := range batch {
		batch[i] = make([]byte, CellSize)
	}
	errc := make(chan error, 1)
	go func() { errc <- d.SendBatch(batch) }()
	for range batch {
		if _, err := a.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	exchange(t, d, a, []byte("small")) // the next Recv releases the last large body
	exchange(t, a, d, []byte("small"))
	for _, l := range []*Link{d, a} {
		l.wmu.Lock()
		w := cap(l.wbuf)
		l.wmu.Unlock()
		l.rmu.Lock()
		r, lent := cap(l.rbuf), l.rpool != nil
		l.rmu.Unlock()
		if w > 2*1100 || r > 2*1100 || lent {
			t.Errorf("buffers still hold %d (write) and %d (read) bytes, pooled body held: %v", w, r, lent)
		}
	}
}
