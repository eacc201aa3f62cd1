package link

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener defaults for zero ListenerConfig fields.
const (
	DefaultMaxHandshakes = 512                    // concurrent handshakes, all sources
	DefaultMaxPerSource  = 8                      // concurrent handshakes per source
	DefaultSourceBurst   = 16                     // handshakes a source may start at once
	DefaultSourceRefill  = 100 * time.Millisecond // then one per Refill (10/s)
	DefaultMaxSources    = 16384
	DefaultBacklog       = 64 // established links waiting for Accept
)

// ListenerConfig bounds the handshakes a Listener runs. Zero fields mean
// the defaults above.
type ListenerConfig struct {
	MaxHandshakes int
	MaxPerSource  int
	SourceBurst   int
	SourceRefill  time.Duration
	MaxSources    int // sources remembered for rate limiting
	Backlog       int
	// Replay is the node's replay guard; nil makes one with defaults.
	Replay *ReplayGuard
	// SourceKey maps a remote address to its source; nil means the IP
	// address (IPv4) or /64 (IPv6). An empty key exempts the conn from
	// per-source limits: return "" for conns whose address says nothing,
	// such as every conn arriving through a local Tor onion service.
	SourceKey func(net.Addr) string
}

// ListenerStats counts what a Listener did with its conns.
type ListenerStats struct {
	Accepted      uint64 // conns taken from the inner listener
	Established   uint64 // handshakes completed
	Failed        uint64 // handshakes failed, timed out or evicted
	RefusedSource uint64 // closed at once: source at its concurrency cap
	RefusedRate   uint64 // closed at once: source over its rate
	RefusedFull   uint64 // closed at once: global cap, nothing to evict
	Evicted       uint64 // pending handshakes cut to admit another source
}

// Listener wraps a net.Listener and runs the responder handshake on each
// conn in a goroutine it owns, within the bounds of its ListenerConfig.
// Conns over a bound are closed at once; every handshake is cut by the
// Config's HandshakeTimeout. Accept and Close are safe for concurrent use.
// Close stops the inner listener, aborts pending handshakes, closes links
// not yet accepted and waits for all goroutines. Links returned by Accept
// belong to the caller.
type Listener struct {
	inner net.Listener
	cfg   *Config
	guard *ReplayGuard
	adm   *admission
	log   func(msg string, args ...any)

	ctx       context.Context
	cancel    context.CancelFunc
	links     chan *Link
	wg        sync.WaitGroup
	closeOnce sync.Once
	errMu     sync.Mutex
	err       error // why the accept loop stopped

	accepted, established, failed                  atomic.Uint64
	refusedSource, refusedRate, refusedFull, evict atomic.Uint64
}

// Listen starts accepting on inner. cfg must have a node identity; an
// invalid cfg or opts makes every Accept return the ErrConfig error.
func Listen(inner net.Listener, cfg *Config, opts ListenerConfig) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{inner: inner, cfg: cfg, ctx: ctx, cancel: cancel, guard: opts.Replay}
	l.links = make(chan *Link, positive(opts.Backlog, DefaultBacklog))
	p, err := cfg.prepare()
	if err == nil && p.anonymous {
		err = fmt.Errorf("%w: an anonymous config cannot listen", ErrConfig)
	}
	if err != nil {
		l.err = err
		cancel()
		return l
	}
	l.log = p.log.Debug
	if l.guard == nil {
		l.guard = NewReplayGuard(ReplayConfig{Now: p.now})
	}
	l.adm = newAdmission(opts, p.now)
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

func positive(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func newAdmission(o ListenerConfig, now func() time.Time) *admission {
	a := &admission{
		maxTotal:     positive(o.MaxHandshakes, DefaultMaxHandshakes),
		maxPerSource: positive(o.MaxPerSource, DefaultMaxPerSource),
		maxSources:   positive(o.MaxSources, DefaultMaxSources),
		burst:        float64(positive(o.SourceBurst, DefaultSourceBurst)),
		refill:       orDefault(o.SourceRefill, DefaultSourceRefill),
		keyOf:        o.SourceKey,
		now:          now,
		sources:      make(map[string]*source),
	}
	if a.keyOf == nil {
		a.keyOf = ipSource
	}
	return a
}

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Accept returns the next established link. After Close it returns
// ErrClosed; if the inner listener failed, that error.
func (l *Listener) Accept() (*Link, error) {
	select {
	case lk := <-l.links:
		return lk, nil
	case <-l.ctx.Done():
		return nil, l.stopErr()
	}
}

func (l *Listener) stopErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return l.err
	}
	return ErrClosed
}

// Close stops the listener and waits for its goroutines; idempotent.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		l.inner.Close()
		l.wg.Wait()
		for {
			select {
			case lk := <-l.links:
				lk.Close()
			default:
				return
			}
		}
	})
	return nil
}

// Stats returns a snapshot of the counters.
func (l *Listener) Stats() ListenerStats {
	return ListenerStats{
		Accepted: l.accepted.Load(), Established: l.established.Load(), Failed: l.failed.Load(),
		RefusedSource: l.refusedSource.Load(), RefusedRate: l.refusedRate.Load(),
		RefusedFull: l.refusedFull.Load(), Evicted: l.evict.Load(),
	}
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var backoff time.Duration
	for {
		conn, err := l.inner.Accept()
		if err != nil {
			if backoff = nextBackoff(backoff); l.retryable(err) && l.sleep(backoff) {
				continue
			}
			l.stop(err)
			return
		}
		backoff = 0
		l.accepted.Add(1)
		l.admit(conn)
	}
}

// retryable reports whether to retry after an Accept error: anything but
// a closed listener may pass (running out of file descriptors, a conn reset
// before it was accepted), so the loop backs off (5 ms doubling to 1 s)
// and tries again.
func (l *Listener) retryable(err error) bool {
	return l.ctx.Err() == nil && !errors.Is(err, net.ErrClosed)
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 5 * time.Millisecond
	}
	return min(2*d, time.Second)
}

func (l *Listener) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.ctx.Done():
		return false
	}
}

func (l *Listener) stop(err error) {
	l.errMu.Lock()
	if l.err == nil && l.ctx.Err() == nil {
		l.err = fmt.Errorf("link: listener stopped: %w", redact(err))
	}
	l.errMu.Unlock()
	l.cancel()
}

// admit applies the bounds to conn and starts its handshake goroutine, or
// closes it at once.
func (l *Listener) admit(conn net.Conn) {
	ctx, cancel := context.WithCancel(l.ctx)
	h, victim, v := l.adm.admit(conn.RemoteAddr(), cancel)
	if v != admitted {
		cancel()
		conn.Close()
		l.countRefusal(v)
		l.log("link: refused conn", "remote", conn.RemoteAddr(), "reason", int(v))
		return
	}
	if victim != nil {
		victim()
		l.evict.Add(1)
	}
	l.wg.Add(1)
	go l.handshake(ctx, cancel, conn, h)
}

func (l *Listener) countRefusal(v verdict) {
	switch v {
	case refusedSource:
		l.refusedSource.Add(1)
	case refusedRate:
		l.refusedRate.Add(1)
	default:
		l.refusedFull.Add(1)
	}
}

func (l *Listener) handshake(ctx context.Context, cancel context.CancelFunc, conn net.Conn, h *pendingHS) {
	defer l.wg.Done()
	defer cancel()
	defer l.adm.done(h)
	lk, err := Accept(ctx, conn, l.cfg, l.guard)
	if err != nil {
		l.failed.Add(1)
		return
	}
	l.established.Add(1)
	// The slot is held until the link is handed over, so an application
	// that does not call Accept slows handshakes down instead of piling up
	// links: at most MaxHandshakes + Backlog exist unaccepted.
	select {
	case l.links <- lk:
	case <-ctx.Done(): // listener closed, or evicted while waiting
		lk.Close()
	}
}
