package link

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// frameAuditor is a conn that opens everything written to it with the
// sender's keys (its header protection fixed, its CipherState rekeyed on
// rekey frames, as a receiver does) and records the on-wire size of every
// frame. It also checks that each write holds whole frames only, that
// control frames are cell-sized and data frames use the smallest class.
type frameAuditor struct {
	streamConn
	cs     *noise.CipherState
	hp     *headerProt
	sizes  map[int]int
	types  map[wire.FrameType]int
	failed error
}

func (a *frameAuditor) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && a.failed == nil {
		p = a.frame(p)
	}
	return n, nil
}

func (a *frameAuditor) fail(err error) []byte {
	a.failed = err
	return nil
}

func (a *frameAuditor) frame(p []byte) []byte {
	if len(p) < wire.PrefixLen {
		return a.fail(fmt.Errorf("write ends inside a frame prefix"))
	}
	var hb [wire.HeaderLen]byte
	copy(hb[:], p[:wire.MaskedHeaderLen])
	a.hp.apply(hb[:], p[wire.MaskedHeaderLen:wire.PrefixLen])
	h, err := wire.ParseHeader(hb[:])
	if err != nil {
		return a.fail(err)
	}
	size := wire.MaskedHeaderLen + h.BodyLen() + wire.TagLen
	if len(p) < size {
		return a.fail(fmt.Errorf("write ends inside a frame"))
	}
	if _, err := a.cs.Decrypt(nil, hb[:], p[wire.MaskedHeaderLen:size]); err != nil {
		return a.fail(err)
	}
	if c, _ := wire.ClassFor(int(h.Length)); c != h.Class {
		return a.fail(fmt.Errorf("%v frame of length %d in class %d", h.Type, h.Length, h.Class))
	}
	if h.Type == wire.FrameRekey {
		a.cs.Rekey()
	}
	a.sizes[size]++
	a.types[h.Type]++
	return p[size:]
}

// R34: over 10^5 frames of random sizes, sent one by one and in batches,
// with rekeys and keepalives among them, every frame on the wire has one
// of the fixed sizes.
func TestWireSizesR34(t *testing.T) {
	a := &frameAuditor{
		cs:    noise.UnsafeNewCipherState(newSuite(nil), testKey, 0),
		hp:    testHP(),
		sizes: map[int]int{}, types: map[wire.FrameType]int{},
	}
	l := keyedLink(t, a, &Config{NetworkID: testNet, RekeyMessages: 1000})
	rng := rand.New(rand.NewPCG(3, 4))
	size := func() int {
		switch rng.IntN(100) {
		case 0:
			return rng.IntN(MaxPayload + 1)
		case 1, 2, 3, 4:
			return rng.IntN(20000)
		default:
			return rng.IntN(CellSize + 1)
		}
	}
	buf := make([]byte, MaxPayload)
	sent := 0
	for sent < 100000 {
		switch rng.IntN(10) {
		case 0:
			batch := make([][]byte, rng.IntN(100))
			for i := range batch {
				batch[i] = buf[:size()]
			}
			if err := l.SendBatch(batch); err != nil {
				t.Fatal(err)
			}
			sent += len(batch)
		case 1:
			if err := l.sendControl(wire.FrameKeepalive); err != nil {
				t.Fatal(err)
			}
		default:
			if err := l.Send(buf[:size()]); err != nil {
				t.Fatal(err)
			}
			sent++
		}
	}
	l.Close() // a close frame, also audited
	if a.failed != nil {
		t.Fatal(a.failed)
	}
	total := 0
	for s, n := range a.sizes {
		// 4-byte masked header, body of a class size, 16-byte tag.
		if !slices.Contains([]int{4 + 512 + 16, 4 + 2048 + 16, 4 + 16384 + 16, 4 + 65519 + 16}, s) {
			t.Errorf("%d frames of size %d", n, s)
		}
		total += n
	}
	if a.types[wire.FrameData] != sent || a.types[wire.FrameRekey] == 0 || a.types[wire.FrameKeepalive] == 0 || a.types[wire.FrameClose] != 1 {
		t.Fatalf("frame types %v, sent %d", a.types, sent)
	}
	t.Logf("%d frames on the wire, by size %v", total, a.sizes)
}
