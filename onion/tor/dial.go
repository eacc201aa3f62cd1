package tor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// DefaultDialTimeout bounds Dial when ctx has no deadline. Reaching an
// onion service takes a descriptor fetch, an introduction and a
// rendezvous: seconds usually, tens of seconds on a bad day.
const DefaultDialTimeout = 60 * time.Second

// DialStallTimeout: when tor has not answered a CONNECT within this long
// and the deadline leaves at least as long again, Dial assumes the
// stale-descriptor stall (docs/tor.md, known limits): it asks tor to
// refetch the service's descriptor (HSFETCH) and tries once more on a new
// circuit. A first attempt on the Tor network normally answers well
// within it.
const DialStallTimeout = 20 * time.Second

// retrySuffix derives the isolation key of the retry after a stall: a
// circuit of its own, still never shared with another purpose.
const retrySuffix = "\x00stall-retry"

// IsolationWatchdog is the isolation key of the watchdog's probes.
const IsolationWatchdog = "watchdog"

// isolationPassword is the SOCKS password of every stream; the username
// carries the isolation (tor isolates on the pair).
const isolationPassword = "warren"

// Dial opens a stream through tor to port on the onion service onion
// ("<56 chars>.onion", checked with identity.ParseNodeID before any I/O:
// a bad checksum or version fails with ErrAddress at once). Streams with
// different isolation keys never share a circuit: each key becomes its
// own SOCKS username (HMAC of the key under a per-Tor secret, so neither
// tor's state nor another local SOCKS client learns or shares it;
// IsolateSOCKSAuth). The deadline comes from ctx, or DefaultDialTimeout
// if it has none; it bounds the SOCKS exchange, not the returned conn.
// Failures: ErrUnreachable, ErrRefused, ErrAddress, ErrSOCKS (a
// *SOCKSError carries tor's reply code), or ctx's error. If tor stays
// silent for DialStallTimeout, Dial refetches the descriptor and retries
// once (see DialStallTimeout).
func (t *Tor) Dial(ctx context.Context, onion string, port int, isolation string) (net.Conn, error) {
	id, err := identity.ParseNodeID(onion)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAddress, err)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("%w: port out of range", ErrConfig)
	}
	if t.isClosed() {
		return nil, ErrClosed
	}
	ctx, cancel := withDefaultTimeout(ctx, DefaultDialTimeout)
	defer cancel()
	conn, err := t.dialAttempt(ctx, id, port, isolation, true)
	if !isStall(ctx, err) {
		return conn, err
	}
	t.log.Debug("tor: no answer from tor; refetching the descriptor and retrying on a new circuit")
	if err := t.request(ctx, "HSFETCH "+strings.TrimSuffix(id.Onion(), ".onion")); err != nil {
		t.log.Debug("tor: HSFETCH failed", "err", err)
	}
	return t.dialAttempt(ctx, id, port, isolation+retrySuffix, false)
}

// dialAttempt is one SOCKS dial. The first one is cut at t.stallAfter
// when the deadline leaves room for a retry after it.
func (t *Tor) dialAttempt(ctx context.Context, id identity.NodeID, port int, isolation string, first bool) (net.Conn, error) {
	socks := t.SocksAddr()
	if socks == "" {
		return nil, fmt.Errorf("%w: no SOCKS port known", ErrSOCKS)
	}
	if dl, _ := ctx.Deadline(); first && time.Until(dl) >= 2*t.stallAfter {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.stallAfter)
		defer cancel()
	}
	return dialSOCKS(ctx, socks, id.Onion(), uint16(port), t.isolationUser(isolation))
}

// isStall reports whether err is a first attempt cut at the stall timeout
// while the caller's ctx still has time.
func isStall(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && errors.Is(err, ErrUnreachable) && errors.Is(err, context.DeadlineExceeded)
}

// isolationUser derives the SOCKS username for an isolation key.
func (t *Tor) isolationUser(isolation string) string {
	m := hmac.New(sha256.New, t.isoKey[:])
	m.Write([]byte(isolation))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// DialSOCKS connects to host:port through the SOCKS5 port at socksAddr
// with username/password user/"warren", under ctx (which must carry the
// deadline). It is the client Dial uses; exported for tests and tools that
// need a SOCKS dial to a tor Warren did not start.
func DialSOCKS(ctx context.Context, socksAddr, host string, port uint16, user string) (net.Conn, error) {
	ctx, cancel := withDefaultTimeout(ctx, DefaultDialTimeout)
	defer cancel()
	return dialSOCKS(ctx, socksAddr, host, port, user)
}

func dialSOCKS(ctx context.Context, socksAddr, host string, port uint16, user string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", socksAddr)
	if err != nil {
		return nil, dialError(ctx, fmt.Errorf("%w: cannot connect to tor's SOCKS port: %w", ErrSOCKS, err))
	}
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = conn.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	err = socksHandshake(conn, host, port, user)
	if !stop() {
		<-fired
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, dialError(ctx, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, nil
}

// dialError says "timed out" or "canceled" when ctx ended the dial.
func dialError(ctx context.Context, err error) error {
	var se *SOCKSError
	if errors.As(err, &se) {
		return err
	}
	cerr := ctx.Err()
	if cerr == nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
		cerr = context.DeadlineExceeded // the conn's (or dialer's) deadline is ctx's
	}
	if cerr != nil {
		return fmt.Errorf("%w: no answer before the deadline: %w", ErrUnreachable, cerr)
	}
	return err
}

// socksHandshake runs greeting, username/password and CONNECT on rw.
func socksHandshake(rw io.ReadWriter, host string, port uint16, user string) error {
	var buf [socksMaxReply]byte
	if err := socksRoundTrip(rw, appendGreeting(buf[:0], socksUserPass), buf[:2]); err != nil {
		return err
	}
	if m, err := parseMethodReply(buf[:2]); err != nil {
		return err
	} else if m != socksUserPass {
		return fmt.Errorf("%w: SOCKS port chose a method we did not offer", ErrSOCKS)
	}
	req, err := appendUserPass(buf[:0], user, isolationPassword)
	if err != nil {
		return err
	}
	if err := socksRoundTrip(rw, req, buf[:2]); err != nil {
		return err
	}
	if err := parseAuthReply(buf[:2]); err != nil {
		return err
	}
	return socksConnectRequest(rw, host, port)
}

func socksConnectRequest(rw io.ReadWriter, host string, port uint16) error {
	var buf [socksMaxReply]byte
	req, err := appendConnect(buf[:0], host, port)
	if err != nil {
		return err
	}
	if err := socksRoundTrip(rw, req, buf[:socksReplyHead]); err != nil {
		return err
	}
	n, err := replyLen(buf[:socksReplyHead])
	if err != nil {
		return err
	}
	if _, err := io.ReadFull(rw, buf[socksReplyHead:n]); err != nil {
		return socksIOError(err)
	}
	r, err := decodeReply(buf[:n])
	if err != nil {
		return err
	}
	return replyError(r)
}

// socksRoundTrip writes req, then fills resp.
func socksRoundTrip(rw io.ReadWriter, req, resp []byte) error {
	if _, err := rw.Write(req); err != nil {
		return socksIOError(err)
	}
	if _, err := io.ReadFull(rw, resp); err != nil {
		return socksIOError(err)
	}
	return nil
}

func socksIOError(err error) error {
	return fmt.Errorf("%w: SOCKS exchange failed: %w", ErrSOCKS, err)
}
