package tor

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	bed25519 "github.com/cretz/bine/torutil/ed25519"

	"github.com/warrennet/warren/overlay/identity"
)

// Proof-of-work defaults: tor's own defaults for
// HiddenServicePoWQueueRate/Burst (tor(1)). The rate is how many
// introduction requests per second the service dequeues from its priority
// queue; the burst is the queue's token-bucket size. Under a flood, tor
// raises the suggested effort in the descriptor so that honest clients
// (which solve the puzzle automatically) get ahead of the flood.
const (
	DefaultPoWQueueRate  = 250
	DefaultPoWQueueBurst = 2500
	maxPoWQueue          = 1 << 24
)

// PoWConfig configures tor's onion-service proof-of-work defence
// (proposal 327) for our service. The zero value enables it with tor's
// defaults.
type PoWConfig struct {
	// Disabled turns the defence off (ADD_ONION without PoW keywords).
	Disabled bool
	// QueueRate and QueueBurst: 0 means DefaultPoWQueueRate/Burst.
	QueueRate, QueueBurst int
}

// ListenConfig configures Listen.
type ListenConfig struct {
	// Key is the node's ed25519 key; the service's address is
	// identity.NodeID(Key.Public()).Onion(), the same at every start.
	// Listen keeps the expanded secret key in memory (to re-publish)
	// until the Listener is closed, then zeroes it.
	Key ed25519.PrivateKey
	// VirtualPort is the onion service's port (1-65535, required).
	VirtualPort int
	// PoW configures the proof-of-work defence (on by default).
	PoW PoWConfig
	// NoWait makes Listen return as soon as tor accepted the service,
	// before any descriptor upload.
	NoWait bool
}

// DefaultPublishTimeout bounds Listen and Republish when ctx has no
// deadline: intro circuits plus the first descriptor upload.
const DefaultPublishTimeout = 2 * time.Minute

// OnionAddr is a Listener's address: "<56 chars>.onion:port".
type OnionAddr struct {
	ID   identity.NodeID
	Port int
}

// Network returns "onion".
func (a OnionAddr) Network() string { return "onion" }

// String returns "<address>.onion:<port>".
func (a OnionAddr) String() string { return net.JoinHostPort(a.ID.Onion(), strconv.Itoa(a.Port)) }

// Listener is our onion service as a net.Listener. Tor forwards each
// incoming stream to a TCP listener on 127.0.0.1 that the Listener owns;
// Accept returns those connections (their RemoteAddr is tor's loopback
// address, never the client's). The service stays published across tor
// restarts by the watchdog. Safe for concurrent use; Close is idempotent.
type Listener struct {
	t     *Tor
	id    identity.NodeID
	virt  int
	local net.Listener
	pow   PoWConfig

	mu     sync.Mutex // guards key
	key    [64]byte   // expanded ed25519 secret (tor's ED25519-V3 form)
	closed bool
	once   sync.Once
}

var _ net.Listener = (*Listener)(nil)

// Listen publishes our onion service from cfg.Key (ADD_ONION with
// Flags=Detach, Port=VirtualPort,127.0.0.1:<local>, PoW keywords) and
// returns it as a net.Listener once tor reports the first descriptor
// upload to an HSDir (HS_DESC UPLOADED), unless cfg.NoWait. ctx bounds it
// all (default DefaultPublishTimeout); on error nothing stays published.
func (t *Tor) Listen(ctx context.Context, cfg ListenConfig) (*Listener, error) {
	l, err := t.newListener(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withDefaultTimeout(ctx, DefaultPublishTimeout)
	defer cancel()
	if err := l.publish(ctx, !cfg.NoWait); err != nil {
		ctx, cancel := closeCtx()
		_ = l.delOnion(ctx)
		cancel()
		_ = l.local.Close()
		l.wipe()
		return nil, err
	}
	t.mu.Lock()
	if t.isClosed() {
		t.mu.Unlock()
		_ = l.close(false)
		return nil, ErrClosed
	}
	t.lns = append(t.lns, l)
	t.mu.Unlock()
	return l, nil
}

func (t *Tor) newListener(cfg ListenConfig) (*Listener, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: Key is not an ed25519 private key", ErrConfig)
	}
	if cfg.VirtualPort < 1 || cfg.VirtualPort > 65535 {
		return nil, fmt.Errorf("%w: VirtualPort out of range", ErrConfig)
	}
	pow, err := resolvePoW(cfg.PoW, t.powCheck)
	if err != nil {
		return nil, err
	}
	local, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tor: local listener: %w", err)
	}
	l := &Listener{t: t, virt: cfg.VirtualPort, local: local, pow: pow, key: expandKey(cfg.Key)}
	copy(l.id[:], cfg.Key.Public().(ed25519.PublicKey))
	return l, nil
}

func resolvePoW(p PoWConfig, support powSupport) (PoWConfig, error) {
	if p.Disabled {
		return p, nil
	}
	if p.QueueRate < 0 || p.QueueBurst < 0 || p.QueueRate > maxPoWQueue || p.QueueBurst > maxPoWQueue {
		return p, fmt.Errorf("%w: PoW queue rate/burst out of range", ErrConfig)
	}
	if support == powNo {
		return p, fmt.Errorf("%w: this tor was built without the pow module (tor --list-modules); "+
			"use a tor built with --enable-gpl (Debian's is) or set PoW.Disabled", ErrPoW)
	}
	p.QueueRate = orDefault(p.QueueRate, DefaultPoWQueueRate)
	p.QueueBurst = orDefault(p.QueueBurst, DefaultPoWQueueBurst)
	return p, nil
}

// expandKey turns a Go ed25519 key (seed || public) into the 64-byte
// expanded secret tor's ADD_ONION ED25519-V3 takes (SHA-512 of the seed,
// clamped), with bine's conversion. The public key, hence the address,
// is unchanged.
func expandKey(k ed25519.PrivateKey) [64]byte {
	kp := bed25519.FromCryptoPrivateKey(k)
	var out [64]byte
	copy(out[:], kp.PrivateKey())
	clear(kp.PrivateKey())
	return out
}

// addOnionCommand builds the ADD_ONION line. It is pure. The line holds
// the secret key: it goes to the control connection only, never to a log.
func addOnionCommand(key *[64]byte, virt, local int, pow PoWConfig) string {
	var b strings.Builder
	b.WriteString("ADD_ONION ED25519-V3:")
	b.WriteString(base64.StdEncoding.EncodeToString(key[:]))
	b.WriteString(" Flags=Detach Port=")
	b.WriteString(strconv.Itoa(virt) + ",127.0.0.1:" + strconv.Itoa(local))
	if !pow.Disabled {
		fmt.Fprintf(&b, " PoWDefensesEnabled=1 PoWQueueRate=%d PoWQueueBurst=%d", pow.QueueRate, pow.QueueBurst)
	}
	return b.String()
}

// serviceID returns the ADD_ONION reply's ServiceID. Pure.
func serviceID(data []string) (string, error) {
	for _, d := range data {
		if v, ok := strings.CutPrefix(d, "ServiceID="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: ADD_ONION reply has no ServiceID", ErrControl)
}

// publish adds the service to tor and, if wait, waits for the first
// descriptor upload. Flags=Detach keeps the service alive when our
// control connection drops (and lets another controller remove it, which
// the watchdog test does); so a service a crashed run left behind is
// removed and added again on "collision".
func (l *Listener) publish(ctx context.Context, wait bool) error {
	var w *uploadWatch
	if wait {
		var err error
		if w, err = l.t.watchUploads(ctx); err != nil {
			return err
		}
		defer w.close()
	}
	err := l.addOnion(ctx)
	if err != nil && strings.Contains(err.Error(), "collision") {
		_ = l.delOnion(ctx)
		err = l.addOnion(ctx)
	}
	if err != nil || w == nil {
		return err
	}
	return w.wait(ctx, strings.TrimSuffix(l.id.Onion(), ".onion"))
}

func (l *Listener) addOnion(ctx context.Context) error {
	c, err := l.t.control(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	cmd := addOnionCommand(&l.key, l.virt, l.local.Addr().(*net.TCPAddr).Port, l.pow)
	l.mu.Unlock()
	resp, err := c.do(ctx, cmd)
	if err != nil {
		return fmt.Errorf("tor: ADD_ONION: %w", l.t.explain(err))
	}
	id, err := serviceID(resp.Data)
	if err != nil {
		return err
	}
	if id+".onion" != l.id.Onion() {
		return fmt.Errorf("%w: tor published a different address than our key's", ErrControl)
	}
	return nil
}

// delOnion removes the service (DEL_ONION); tor's "unknown service" reply
// counts as success.
func (l *Listener) delOnion(ctx context.Context) error {
	err := l.t.request(ctx, "DEL_ONION "+strings.TrimSuffix(l.id.Onion(), ".onion"))
	if err != nil && strings.Contains(err.Error(), "Unknown Onion Service") {
		return nil
	}
	return err
}

// Republish removes and re-adds every open onion service (same keys, same
// addresses), which makes tor build new introduction circuits and upload
// fresh descriptors, and waits for each first upload. The watchdog's
// first repair. ctx bounds it (default DefaultPublishTimeout).
func (t *Tor) Republish(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx, DefaultPublishTimeout)
	defer cancel()
	var errs []error
	for _, l := range t.listeners() {
		if err := l.delOnion(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := l.publish(ctx, true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Accept waits for the next stream to our onion service.
func (l *Listener) Accept() (net.Conn, error) { return l.local.Accept() }

// Addr returns the service's OnionAddr.
func (l *Listener) Addr() net.Addr { return OnionAddr{ID: l.id, Port: l.virt} }

// NodeID returns the node ID the service's address spells.
func (l *Listener) NodeID() identity.NodeID { return l.id }

// Onion returns the service's address, "<56 chars>.onion".
func (l *Listener) Onion() string { return l.id.Onion() }

// VirtualPort returns the service's port.
func (l *Listener) VirtualPort() int { return l.virt }

// Close removes the onion service from tor (DEL_ONION), closes the local
// listener and zeroes the key. Idempotent.
func (l *Listener) Close() error { return l.close(true) }

func (l *Listener) close(del bool) error {
	var err error
	l.once.Do(func() {
		l.t.removeListener(l)
		if del {
			ctx, cancel := closeCtx()
			if err = l.delOnion(ctx); errors.Is(err, ErrClosed) {
				err = nil // tor is gone or going: so is the service
			}
			cancel()
		}
		if cerr := l.local.Close(); err == nil {
			err = cerr
		}
		l.wipe()
	})
	return err
}

func (l *Listener) wipe() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	clear(l.key[:])
}

func (t *Tor) removeListener(l *Listener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.lns {
		if x == l {
			t.lns = append(t.lns[:i], t.lns[i+1:]...)
			return
		}
	}
}
