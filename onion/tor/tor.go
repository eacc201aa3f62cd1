package tor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Mode says whether a Tor launched its tor process or attached to one.
type Mode string

// Modes.
const (
	ModeLaunch Mode = "launch"
	ModeAttach Mode = "attach"
)

// maxEvents bounds the watchdog events a Tor keeps for Status.
const maxEvents = 32

// exitReapWait is how long explain waits for a dying tor to be reaped.
const exitReapWait = 500 * time.Millisecond

// closeDelTimeout bounds DEL_ONION while closing in attach mode.
const closeDelTimeout = 5 * time.Second

// Tor is a running tor this package launched (Launch) or attached to
// (Attach): its control connection, its SOCKS port, the onion services we
// published through it and the watchdog. All methods are safe for
// concurrent use. Close it when done; Close is idempotent.
//
// Shutdown order (Close): the watchdog (it may be restarting tor), then
// the listeners (DEL_ONION in attach mode; their local TCP listeners are
// closed), then the control connection, then, in launch mode only, the tor
// process (SIGTERM, then SIGKILL after 5 s). A tor we attached to is never
// stopped.
type Tor struct {
	log        *slog.Logger
	mode       Mode
	rand       io.Reader
	now        func() time.Time
	launch     *launchSettings // launch mode only
	attach     *attachSettings // attach mode only
	isoKey     [32]byte        // keys SOCKS isolation credentials; zeroed on Close
	powCheck   powSupport
	stallAfter time.Duration // DialStallTimeout (tests shorten it)

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error

	ctrlMu sync.Mutex // serializes (re)connecting the control port
	mu     sync.Mutex // guards the fields below
	ctrl   *ctrl
	proc   *process // launch mode: the current tor process
	st     state
	lns    []*Listener
	wd     *watchdog
}

// state is what Status reports; guarded by Tor.mu.
type state struct {
	socks    string
	version  Version
	vstatus  string
	progress Progress
	health   Health
	restarts int
	events   []Event
}

func newTor(mode Mode, log *slog.Logger, rnd io.Reader, now func() time.Time) (*Tor, error) {
	t := &Tor{log: orDiscard(log), mode: mode, rand: orRand(rnd), now: orNow(now), closing: make(chan struct{}), stallAfter: DialStallTimeout}
	if _, err := io.ReadFull(t.rand, t.isoKey[:]); err != nil {
		return nil, fmt.Errorf("%w: reading randomness: %w", ErrConfig, err)
	}
	return t, nil
}

// Mode reports whether t launched or attached to its tor.
func (t *Tor) Mode() Mode { return t.mode }

// SocksAddr returns the address of tor's SOCKS port ("127.0.0.1:port").
// It may change when the watchdog restarts tor.
func (t *Tor) SocksAddr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st.socks
}

// PID returns the launched tor's process ID, or 0 in attach mode or when
// no tor runs.
func (t *Tor) PID() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.proc == nil || !t.proc.alive() {
		return 0
	}
	return t.proc.pid()
}

// isClosed reports whether Close has begun.
func (t *Tor) isClosed() bool {
	select {
	case <-t.closing:
		return true
	default:
		return false
	}
}

// exited returns a channel closed when the current launched tor process
// exits; nil (never ready) in attach mode.
func (t *Tor) exited() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.proc == nil {
		return nil
	}
	return t.proc.done
}

// control returns a working control connection, dialing a new one when
// the last one broke.
func (t *Tor) control(ctx context.Context) (*ctrl, error) {
	if c := t.currentCtrl(); c != nil {
		return c, nil
	}
	t.ctrlMu.Lock()
	defer t.ctrlMu.Unlock()
	if c := t.currentCtrl(); c != nil {
		return c, nil
	}
	if t.isClosed() {
		return nil, ErrClosed
	}
	if err := t.procError(); err != nil {
		return nil, err
	}
	c, err := t.connect(ctx)
	if err != nil {
		return nil, err
	}
	t.setCtrl(c)
	return c, nil
}

func (t *Tor) currentCtrl() *ctrl {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctrl == nil || t.ctrl.isBroken() {
		return nil
	}
	return t.ctrl
}

// setCtrl installs c as the control connection and closes the old one.
func (t *Tor) setCtrl(c *ctrl) {
	t.mu.Lock()
	old := t.ctrl
	t.ctrl = c
	t.mu.Unlock()
	if old != nil && old != c {
		_ = old.close()
	}
}

// connect dials and authenticates a new control connection.
func (t *Tor) connect(ctx context.Context) (*ctrl, error) {
	if t.mode == ModeLaunch {
		return t.launch.connect(ctx, t)
	}
	return t.attach.connect(ctx, t)
}

// procError returns ErrExited (with how it ended) when the launched tor
// has exited.
func (t *Tor) procError() error {
	t.mu.Lock()
	p := t.proc
	t.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.exitError()
}

// getInfo runs GETINFO key on the current control connection.
func (t *Tor) getInfo(ctx context.Context, key string) (string, error) {
	c, err := t.control(ctx)
	if err != nil {
		return "", err
	}
	return c.getInfo(ctx, key)
}

// request sends one control command.
func (t *Tor) request(ctx context.Context, cmd string) error {
	c, err := t.control(ctx)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, cmd)
	return err
}

// explain turns a control failure into ErrExited when the cause is that
// the launched tor died. A connection that broke may be the first sign of
// a death the process reaper has not seen yet, so it waits for that a
// moment (exitReapWait).
func (t *Tor) explain(err error) error {
	t.mu.Lock()
	p := t.proc
	t.mu.Unlock()
	if p != nil && !isReplyError(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		waitClosed(p.done, exitReapWait)
	}
	if perr := t.procError(); perr != nil && !errors.Is(err, ErrExited) {
		return perr
	}
	if t.isClosed() && !errors.Is(err, ErrClosed) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// record appends a watchdog event, keeping the last maxEvents.
func (t *Tor) record(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.events = append(t.st.events, e)
	if n := len(t.st.events); n > maxEvents {
		t.st.events = slices.Delete(t.st.events, 0, n-maxEvents)
	}
}

// listeners returns a snapshot of the open listeners.
func (t *Tor) listeners() []*Listener {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.lns)
}

// Close stops the watchdog, closes the listeners and the control
// connection and, in launch mode, stops the tor process. It never stops a
// tor we attached to. It is idempotent; later calls return the first
// call's result.
func (t *Tor) Close() error {
	t.closeOnce.Do(func() { t.closeErr = t.shutdown() })
	return t.closeErr
}

func (t *Tor) shutdown() error {
	close(t.closing)
	t.mu.Lock()
	wd := t.wd
	t.mu.Unlock()
	if wd != nil {
		wd.close()
	}
	for _, l := range t.listeners() {
		_ = l.close(t.mode == ModeAttach)
	}
	t.ctrlMu.Lock()
	t.mu.Lock()
	c, p := t.ctrl, t.proc
	t.mu.Unlock()
	t.ctrlMu.Unlock()
	if c != nil {
		_ = c.close()
	}
	clear(t.isoKey[:])
	if t.attach != nil {
		t.attach.wipe()
	}
	if p != nil {
		return p.stop()
	}
	return nil
}

// closeCtx returns a context for cleanup requests during Close.
func closeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), closeDelTimeout)
}
