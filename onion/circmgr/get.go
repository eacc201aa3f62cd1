package circmgr

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/overlay/identity"
)

// New starts a manager: it loads the guards and starts pre-building.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.Node == nil || cfg.Dir == nil || cfg.DialGuard == nil {
		return nil, fmt.Errorf("circmgr: Node, Dir and DialGuard are required")
	}
	def := func(v *int, x int) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&cfg.NumGuards, 3)
	def(&cfg.Prebuilt, 2)
	def(&cfg.BuildRetry, 3)
	if cfg.Refill <= 0 {
		cfg.Refill = time.Second
	}
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 10 * time.Minute
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Hour
	}
	rng := cfg.Rand
	if rng == nil {
		var seed [16]byte
		crand.Read(seed[:])
		rng = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Manager{cfg: cfg, log: log, rng: rng, kick: make(chan struct{}, 1), done: make(chan struct{}),
		channels: map[identity.NodeID]*circuit.Channel{}, assigned: map[assignKey]*circuit.Circuit{}}
	if cfg.Guards != nil {
		ids, err := cfg.Guards.LoadGuards(ctx)
		if err != nil {
			return nil, fmt.Errorf("circmgr: loading guards: %w", err)
		}
		m.guards = ids
	}
	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.prebuildLoop() }()
	return m, nil
}

// Get returns the circuit for purpose p ending at dest, building (or
// extending a pre-built one) if there is none alive.
func (m *Manager) Get(ctx context.Context, p Purpose, dest Relay) (*circuit.Circuit, error) {
	key := assignKey{p, dest.NodeID}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if c := m.assigned[key]; c != nil && c.Alive() {
		m.mu.Unlock()
		return c, nil
	}
	delete(m.assigned, key)
	lock := m.keyLock(key)
	m.mu.Unlock()
	// One build per purpose at a time: a second request waits for the
	// first's circuit instead of building (and leaking) its own.
	lock.Lock()
	defer lock.Unlock()
	m.mu.Lock()
	if c := m.assigned[key]; c != nil && c.Alive() {
		m.mu.Unlock()
		return c, nil
	}
	m.mu.Unlock()
	var last error
	for range m.cfg.BuildRetry {
		c, err := m.newCircuit(ctx, dest)
		if err != nil {
			last = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		c.SetPurpose(p.Kind)
		m.mu.Lock()
		m.assigned[key] = c
		m.mu.Unlock()
		m.poke()
		return c, nil
	}
	return nil, last
}

// keyLock returns the build lock of key; m.mu must be held. Locks of
// purposes without a live circuit are dropped when the map grows.
func (m *Manager) keyLock(key assignKey) *sync.Mutex {
	if m.building == nil {
		m.building = map[assignKey]*sync.Mutex{}
	}
	l := m.building[key]
	if l == nil {
		if len(m.building) >= 4096 {
			for k := range m.building {
				if m.assigned[k] == nil {
					delete(m.building, k)
				}
			}
		}
		l = new(sync.Mutex)
		m.building[key] = l
	}
	return l
}

// OpenStream opens a stream to service at dest on p's circuit, retrying
// once on a fresh circuit if the one it had died.
func (m *Manager) OpenStream(ctx context.Context, p Purpose, dest Relay, service string) (*circuit.Stream, error) {
	s, _, err := m.openStream(ctx, p, dest, service)
	return s, err
}

func (m *Manager) openStream(ctx context.Context, p Purpose, dest Relay, service string) (*circuit.Stream, *circuit.Circuit, error) {
	for attempt := 0; ; attempt++ {
		c, err := m.Get(ctx, p, dest)
		if err != nil {
			return nil, nil, err
		}
		s, err := c.OpenStream(ctx, service)
		if err == nil || attempt == 1 || c.Alive() {
			return s, c, err
		}
	}
}

// release closes a Once purpose's circuit and forgets it.
func (m *Manager) release(p Purpose, dest identity.NodeID, c *circuit.Circuit) {
	key := assignKey{p, dest}
	m.mu.Lock()
	if m.assigned[key] == c {
		delete(m.assigned, key)
	}
	m.mu.Unlock()
	c.Close()
}

// onceStream closes its circuit when it is closed.
type onceStream struct {
	*circuit.Stream
	once    sync.Once
	release func()
}

func (s *onceStream) Close() error {
	err := s.Stream.Close()
	s.once.Do(s.release)
	return err
}

// Open implements circapi.Dialer: dest is looked up in the directory.
func (m *Manager) Open(ctx context.Context, p circapi.Purpose, dest identity.NodeID, service string) (circapi.Stream, error) {
	var hop Relay
	found := false
	for _, r := range m.cfg.Dir.Relays() {
		if r.NodeID == dest {
			hop, found = r, true
			break
		}
	}
	if !found {
		return nil, circapi.ErrUnknownRelay
	}
	s, c, err := m.openStream(ctx, p, hop, service)
	if errors.Is(err, circuit.ErrNoService) {
		err = circapi.ErrNoService
	}
	if err != nil {
		if p.Once && c != nil {
			m.release(p, dest, c)
		}
		return nil, err
	}
	if p.Once {
		return &onceStream{Stream: s, release: func() { m.release(p, dest, c) }}, nil
	}
	return s, nil
}

var _ circapi.Dialer = (*Manager)(nil)

// newCircuit extends an idle pre-built circuit to dest, or builds a whole
// path if none fits.
func (m *Manager) newCircuit(ctx context.Context, dest Relay) (*circuit.Circuit, error) {
	if c := m.takeIdle(dest.NodeID); c != nil {
		if err := c.Extend(ctx, dest); err == nil {
			return c, nil
		}
	}
	path, err := m.pickPath(dest)
	if err != nil {
		return nil, err
	}
	return m.build(ctx, path)
}

// takeIdle removes and returns an idle circuit that does not pass dest.
func (m *Manager) takeIdle(dest identity.NodeID) *circuit.Circuit {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.idle {
		if !c.Alive() {
			continue
		}
		if passes(c, dest) {
			continue
		}
		m.idle = append(m.idle[:i:i], m.idle[i+1:]...)
		return c
	}
	return nil
}

func passes(c *circuit.Circuit, id identity.NodeID) bool {
	for _, h := range c.Hops() {
		if h.NodeID == id {
			return true
		}
	}
	return false
}

// build opens (or reuses) the link to path[0] and builds path.
func (m *Manager) build(ctx context.Context, path []Relay) (*circuit.Circuit, error) {
	ch, err := m.channel(ctx, path[0])
	if err != nil {
		return nil, err
	}
	c, err := m.cfg.Node.Build(ctx, ch, path, "")
	var he *circuit.HopError
	if errors.As(err, &he) && he.Hop >= 2 && he.Hop <= len(path) && ctx.Err() == nil {
		m.markRelay(path[he.Hop-1].NodeID) // paths pass over it for a while
	}
	return c, err
}

// channel returns the anonymous link to guard g, dialing if needed.
func (m *Manager) channel(ctx context.Context, g Relay) (*circuit.Channel, error) {
	m.mu.Lock()
	ch := m.channels[g.NodeID]
	m.mu.Unlock()
	if ch != nil && ch.Alive() {
		return ch, nil
	}
	conn, err := m.cfg.DialGuard(ctx, g)
	m.markGuard(g.NodeID, err == nil)
	if err != nil {
		return nil, fmt.Errorf("circmgr: guard unreachable: %w", err)
	}
	ch, err = m.cfg.Node.AttachClient(conn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		ch.Close()
		return nil, ErrClosed
	}
	if old := m.channels[g.NodeID]; old != nil && old.Alive() {
		m.mu.Unlock()
		ch.Close()
		return old, nil
	}
	m.channels[g.NodeID] = ch
	m.mu.Unlock()
	return ch, nil
}

func (m *Manager) poke() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Close stops pre-building and closes the manager's links (and so its
// circuits).
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	chans := m.channels
	m.channels = nil
	m.mu.Unlock()
	close(m.done)
	m.wg.Wait()
	for _, ch := range chans {
		ch.Close()
	}
	return nil
}
