package handshake

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	testNet  = [32]byte{'w', 'a', 'r', 'r', 'e', 'n', '-', 't', 'e', 's', 't'}
	otherNet = [32]byte{'o', 't', 'h', 'e', 'r'}
	// t0 is the test clock's start: a fixed, whole second.
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

const (
	testEpoch = 2901 // odd: flipping bit 0 names the previous epoch
	keyLen    = 288  // what the relay crypto needs
)

// seeded returns 32 bytes derived from b, as a fixed key or rand stream.
func seeded(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// onionKey returns the X25519 key whose private scalar is seeded(b).
func onionKey(b byte) *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(seeded(b))
	if err != nil {
		panic(err) // unreachable: any 32 bytes are an X25519 key
	}
	return k
}

func pub(k *ecdh.PrivateKey) [32]byte { return [32]byte(k.PublicKey().Bytes()) }

// keyring maps epochs to onion keys, for ServerConfig.Keys.
type keyring map[uint32]*ecdh.PrivateKey

func (r keyring) lookup(e uint32) (*ecdh.PrivateKey, bool) {
	k, ok := r[e]
	return k, ok
}

// clock is an injectable clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// env is one relay (epoch testEpoch, plus testEpoch-1) and its Server on a
// test clock that starts at t0, with the floor a minute before t0.
type env struct {
	cur, prev *ecdh.PrivateKey
	clk       *clock
	srv       *Server
}

func newEnv(t testing.TB, tweak ...func(*ServerConfig)) *env {
	t.Helper()
	e := &env{cur: onionKey(0x11), prev: onionKey(0x10), clk: newClock(t0)}
	cfg := e.config()
	for _, f := range tweak {
		f(&cfg)
	}
	e.srv = mustServer(t, cfg)
	return e
}

func (e *env) config() ServerConfig {
	return ServerConfig{
		NetworkID: testNet,
		Keys:      keyring{testEpoch: e.cur, testEpoch - 1: e.prev}.lookup,
		Now:       e.clk.Now,
		Rand:      rand.Reader,
		Floor:     t0.Add(-time.Minute),
	}
}

func mustServer(t testing.TB, cfg ServerConfig) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// client starts a handshake with e's current key at time now.
func (e *env) client(t testing.TB, now time.Time) (*Client, []byte) {
	t.Helper()
	c, msg, err := NewClient(testNet, pub(e.cur), testEpoch, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return c, msg
}

// drbg is a deterministic byte stream (SHA-256 of a label and a counter),
// not safe for concurrent use.
type drbg struct {
	label string
	n     uint64
	buf   []byte
}

func newDRBG(label string) *drbg { return &drbg{label: label} }

func (d *drbg) Read(p []byte) (int, error) {
	for i := range p {
		if len(d.buf) == 0 {
			sum := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(d.label), d.n))
			d.n++
			d.buf = sum[:]
		}
		p[i], d.buf = d.buf[0], d.buf[1:]
	}
	return len(p), nil
}
