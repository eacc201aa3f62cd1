package identity

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// detRand is a deterministic random source for tests only.
func detRand(seed byte) io.Reader { return rand.NewChaCha8([32]byte{seed}) }

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func mustGenerate(t testing.TB, seed byte, now time.Time) *Keyring {
	t.Helper()
	k, err := Generate(detRand(seed), now)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return k
}

func TestEpochAt(t *testing.T) {
	week := int64(OnionEpochLength / time.Second)
	cases := []struct {
		at   time.Time
		want uint32
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(week-1, 999999999), 0},
		{time.Unix(week, 0), 1},
		{time.Unix(-1, 0), 0},
		{time.Unix(week*(1<<32)+5, 0), 1<<32 - 1},
	}
	for _, c := range cases {
		if got := EpochAt(c.at); got != c.want {
			t.Errorf("EpochAt(%v) = %d, want %d", c.at.Unix(), got, c.want)
		}
	}
	e := EpochAt(t0)
	if s := EpochStart(e); s.After(t0) || !EpochStart(e+1).After(t0) {
		t.Fatalf("t0 not inside [EpochStart(%d), EpochStart(%d))", e, e+1)
	}
}

func TestGenerateDeterministicAndDistinct(t *testing.T) {
	a, b := mustGenerate(t, 1, t0), mustGenerate(t, 1, t0)
	c := mustGenerate(t, 2, t0)
	if a.NodeID() != b.NodeID() || a.LinkPublic() != b.LinkPublic() || a.CurrentOnion().Public() != b.CurrentOnion().Public() {
		t.Fatal("same random stream gave different keys")
	}
	if a.NodeID() == c.NodeID() {
		t.Fatal("different random streams gave the same node key")
	}
	link, onion := a.LinkPublic(), a.CurrentOnion().Public()
	if id := a.NodeID(); link == onion || bytes.Equal(id[:], link[:]) {
		t.Fatal("keys of one keyring are not distinct")
	}
}

func TestKeyringAccessorsAgree(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	pub := k.Node.Public().(ed25519.PublicKey)
	if id := k.NodeID(); !bytes.Equal(pub, id[:]) {
		t.Fatal("NodeID is not the node key's public key")
	}
	lp := k.LinkPublic()
	if !bytes.Equal(k.Link.PublicKey().Bytes(), lp[:]) {
		t.Fatal("LinkPublic is not the link key's public key")
	}
	cur := k.CurrentOnion()
	if cur.Epoch != EpochAt(t0) || cur.Private == nil {
		t.Fatalf("current onion epoch %d, want %d", cur.Epoch, EpochAt(t0))
	}
	if got, ok := k.OnionByEpoch(cur.Epoch); !ok || got.Public() != cur.Public() {
		t.Fatal("OnionByEpoch(current) did not return the current key")
	}
	if _, ok := k.OnionByEpoch(cur.Epoch - 1); ok {
		t.Fatal("a fresh keyring claims a previous onion key")
	}
}

func TestGenerateRandomFailure(t *testing.T) {
	for _, n := range []int{0, 31, 63, 95} {
		r := io.LimitReader(detRand(1), int64(n))
		if k, err := Generate(r, t0); !errors.Is(err, ErrRandom) || k != nil {
			t.Errorf("Generate with %d random bytes = %v, %v; want nil, ErrRandom", n, k, err)
		}
	}
}

func TestRotateOnion(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	e0 := k.CurrentOnion()
	mustRotate(t, k, t0.Add(time.Minute), false)
	mustRotate(t, k, t0.Add(-OnionEpochLength), false) // clock went backwards

	mustRotate(t, k, t0.Add(OnionEpochLength), true)
	e1 := k.CurrentOnion()
	if e1.Epoch != e0.Epoch+1 || e1.Public() == e0.Public() {
		t.Fatalf("after rotation: epoch %d (was %d), key changed: %v", e1.Epoch, e0.Epoch, e1.Public() != e0.Public())
	}
	if got, ok := k.OnionByEpoch(e0.Epoch); !ok || got.Public() != e0.Public() {
		t.Fatal("previous epoch key not kept for overlap")
	}

	mustRotate(t, k, t0.Add(2*OnionEpochLength), true)
	if _, ok := k.OnionByEpoch(e0.Epoch); ok {
		t.Fatal("key two epochs old still held")
	}
	if got, ok := k.OnionByEpoch(e1.Epoch); !ok || got.Public() != e1.Public() {
		t.Fatal("epoch e1 key not kept as previous")
	}
}

func TestRotateOnionAfterLongAbsenceDropsOld(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	e0 := k.CurrentOnion().Epoch
	mustRotate(t, k, t0.Add(5*OnionEpochLength), true)
	if k.CurrentOnion().Epoch != e0+5 {
		t.Fatalf("current epoch %d, want %d", k.CurrentOnion().Epoch, e0+5)
	}
	for e := e0; e < e0+5; e++ {
		if _, ok := k.OnionByEpoch(e); ok {
			t.Fatalf("stale epoch %d key still held", e)
		}
	}
}

func mustRotate(t *testing.T, k *Keyring, now time.Time, want bool) {
	t.Helper()
	got, err := k.RotateOnion(detRand(byte(now.Unix())), now)
	if err != nil || got != want {
		t.Fatalf("RotateOnion(%v) = %v, %v; want %v", now, got, err, want)
	}
}

func TestRotateOnionConcurrent(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	next := t0.Add(OnionEpochLength)
	var wg sync.WaitGroup
	var mu sync.Mutex
	rotations := 0
	for i := range 16 {
		wg.Go(func() {
			ok, err := k.RotateOnion(detRand(byte(i)), next)
			if err != nil {
				t.Error(err)
			}
			_ = k.CurrentOnion().Public()
			mu.Lock()
			if ok {
				rotations++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if rotations != 1 {
		t.Fatalf("%d goroutines rotated, want exactly 1", rotations)
	}
}

func TestCloseZeroesAndIsIdempotent(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	id, node := k.NodeID(), k.Node
	k.Close()
	k.Close()
	if !isZero(node) {
		t.Fatal("Close did not zero the node key")
	}
	if k.Node != nil || k.Link != nil || k.CurrentOnion().Private != nil {
		t.Fatal("private keys still reachable after Close")
	}
	if _, ok := k.OnionByEpoch(EpochAt(t0)); ok {
		t.Fatal("onion key reachable after Close")
	}
	if k.NodeID() != id {
		t.Fatal("NodeID changed by Close")
	}
	if _, err := k.RotateOnion(detRand(1), t0.Add(OnionEpochLength)); !errors.Is(err, ErrClosed) {
		t.Fatalf("RotateOnion after Close: %v, want ErrClosed", err)
	}
}
