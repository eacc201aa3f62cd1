package handshake

import (
	"bytes"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int{1, 32, keyLen, MaxKeyLen} {
		c, msg := e.client(t, t0)
		if len(msg) != ClientMsgLen {
			t.Fatalf("client message is %d bytes, want %d", len(msg), ClientMsgLen)
		}
		reply, skeys, sbind, err := e.srv.Respond(msg, n)
		if err != nil {
			t.Fatalf("Respond: %v", err)
		}
		if len(reply) != ServerMsgLen || len(skeys) != n {
			t.Fatalf("reply %d bytes, keys %d bytes", len(reply), len(skeys))
		}
		ckeys, cbind, err := c.Finish(reply, n)
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if !bytes.Equal(ckeys, skeys) || cbind != sbind {
			t.Fatalf("keyLen %d: client and relay derived different keys or bindings", n)
		}
		// (A 1-byte key is zero once in 256 runs; only longer ones are checked.)
		if cbind == ([32]byte{}) || (n >= 16 && bytes.Equal(ckeys, make([]byte, n))) {
			t.Fatal("zero keys or binding")
		}
	}
	if st := e.srv.Stats(); st.Accepted != 4 || st.Entries != 4 {
		t.Fatalf("stats %+v", st)
	}
}

// Fresh randomness gives unrelated keys, and a shorter keyLen is a prefix
// of a longer one for the same handshake (HKDF-Expand), which the relay
// crypto may rely on when it grows.
func TestKeysDifferAcrossRuns(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	bindings := map[[32]byte]bool{}
	for range 20 {
		c, msg := e.client(t, t0)
		reply, keys, b, err := e.srv.Respond(msg, 64)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Finish(reply, 64); err != nil {
			t.Fatal(err)
		}
		if seen[string(keys[:16])] || bindings[b] {
			t.Fatal("two handshakes gave the same keys or binding")
		}
		seen[string(keys[:16])], bindings[b] = true, true
	}
}

func TestPreviousEpoch(t *testing.T) {
	e := newEnv(t)
	c, msg, err := NewClient(testNet, pub(e.prev), testEpoch-1, t0, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	reply, skeys, _, err := e.srv.Respond(msg, 32)
	if err != nil {
		t.Fatalf("previous epoch refused: %v", err)
	}
	ckeys, _, err := c.Finish(reply, 32)
	if err != nil || !bytes.Equal(ckeys, skeys) {
		t.Fatalf("Finish: %v", err)
	}
}

func TestFinishOnlyOnce(t *testing.T) {
	e := newEnv(t)
	c, msg := e.client(t, t0)
	reply, _, _, err := e.srv.Respond(msg, 32)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Finish(reply, 32); err != nil {
		t.Fatal(err)
	}
	if k, _, err := c.Finish(reply, 32); err != ErrUsed || k != nil {
		t.Fatalf("second Finish: %v", err)
	}
	// A failed Finish uses the state up too.
	c2, _ := e.client(t, t0)
	if _, _, err := c2.Finish(reply[:10], 32); err != ErrMalformed {
		t.Fatalf("short reply: %v", err)
	}
	if _, _, err := c2.Finish(reply, 32); err != ErrUsed {
		t.Fatalf("Finish after a failure: %v", err)
	}
}

func TestKeyLenBounds(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int{-1, 0, MaxKeyLen + 1} {
		c, msg := e.client(t, t0)
		if _, _, _, err := e.srv.Respond(msg, n); err != ErrConfig {
			t.Errorf("Respond keyLen %d: %v", n, err)
		}
		reply, _, _, err := e.srv.Respond(msg, 32)
		if err != nil {
			t.Fatalf("the message was consumed by a refused keyLen: %v", err)
		}
		if _, _, err := c.Finish(reply, n); err != ErrConfig {
			t.Errorf("Finish keyLen %d: %v", n, err)
		}
	}
}

func TestNewClientArguments(t *testing.T) {
	key := pub(onionKey(1))
	for _, tc := range []struct {
		name string
		key  [32]byte
		now  time.Time
	}{
		{"zero onion key", [32]byte{}, t0},
		{"order-8 onion key", [32]byte(lowOrderKey("order8a")), t0},
		{"p as onion key", [32]byte(lowOrderKey("p")), t0},
		{"before 1970", key, time.Unix(-1, 0)},
	} {
		if c, msg, err := NewClient(testNet, tc.key, 1, tc.now, rand.Reader); !errors.Is(err, ErrConfig) || c != nil || msg != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	short := bytes.NewReader(make([]byte, 31))
	if c, _, err := NewClient(testNet, key, 1, t0, short); err == nil || c != nil {
		t.Errorf("31 random bytes: %v", err)
	}
	if _, _, err := NewClient(testNet, key, 1, t0, iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("failing reader accepted")
	}
	// Exactly 32 bytes are enough, and nil means crypto/rand.
	if _, _, err := NewClient(testNet, key, 1, t0, bytes.NewReader(seeded(7))); err != nil {
		t.Errorf("32 random bytes: %v", err)
	}
	if _, _, err := NewClient(testNet, key, 1, t0, nil); err != nil {
		t.Errorf("nil rand: %v", err)
	}
}

func TestNewServerConfig(t *testing.T) {
	e := newEnv(t)
	for name, f := range map[string]func(*ServerConfig){
		"nil Keys":            func(c *ServerConfig) { c.Keys = nil },
		"negative Window":     func(c *ServerConfig) { c.Window = -time.Second },
		"negative MaxEntries": func(c *ServerConfig) { c.MaxEntries = -1 },
		"failing Rand":        func(c *ServerConfig) { c.Rand = iotest.ErrReader(errors.New("no entropy")) },
	} {
		cfg := e.config()
		f(&cfg)
		if s, err := NewServer(cfg); err == nil || s != nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Zero Floor means "now": a message from one second earlier is stale,
	// one from one second later is not.
	cfg := e.config()
	cfg.Floor, cfg.Rand = time.Time{}, nil
	s := mustServer(t, cfg)
	_, old := e.client(t, t0.Add(-time.Second))
	if _, _, _, err := s.Respond(old, 32); err != ErrStale {
		t.Errorf("message from before NewServer: %v", err)
	}
	e.clk.set(t0.Add(time.Second))
	_, msg := e.client(t, t0.Add(time.Second))
	if _, _, _, err := s.Respond(msg, 32); err != nil {
		t.Errorf("fresh message: %v", err)
	}
}

// A Server is safe for concurrent use, with a reader that is not.
func TestRespondConcurrent(t *testing.T) {
	e := newEnv(t, func(c *ServerConfig) { c.Rand = newDRBG("concurrent") })
	const n = 32
	msgs := make([][]byte, n)
	clients := make([]*Client, n)
	for i := range msgs {
		clients[i], msgs[i] = e.client(t, t0)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range msgs {
		wg.Go(func() {
			reply, skeys, _, err := e.srv.Respond(msgs[i], 32)
			if err == nil {
				var ckeys []byte
				ckeys, _, err = clients[i].Finish(reply, 32)
				if err == nil && !bytes.Equal(ckeys, skeys) {
					err = errors.New("keys differ")
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("handshake %d: %v", i, err)
		}
	}
}
