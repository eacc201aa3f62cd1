package tornet

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/cretz/bine/control"
)

const (
	pollInterval   = 250 * time.Millisecond
	controlTimeout = 5 * time.Second // bound on one control-port exchange
)

// ctlConn is an authenticated control-port connection whose every exchange
// has a deadline. Not safe for concurrent use.
type ctlConn struct {
	ctx  context.Context
	nc   net.Conn
	c    *control.Conn
	stop func() bool // unregisters the context watch
}

// dialControl connects to the control port on 127.0.0.1:port and
// authenticates with the cookie. Cancelling ctx aborts any exchange.
func dialControl(ctx context.Context, port int) (*ctlConn, error) {
	d := net.Dialer{Timeout: controlTimeout}
	nc, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	cc := &ctlConn{ctx: ctx, nc: nc, c: control.NewConn(textproto.NewConn(nc))}
	cc.stop = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	cc.setDeadline()
	if err := cc.c.Authenticate(""); err != nil {
		cc.Close()
		return nil, fmt.Errorf("control port authentication: %w", err)
	}
	return cc, nil
}

// setDeadline bounds the next exchange by controlTimeout and by the
// context's deadline; a done context makes it fail at once.
func (cc *ctlConn) setDeadline() {
	d := time.Now().Add(controlTimeout)
	if cd, ok := cc.ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	if cc.ctx.Err() != nil {
		d = time.Unix(1, 0)
	}
	cc.nc.SetDeadline(d)
}

// getInfo returns the value of one GETINFO key.
func (cc *ctlConn) getInfo(key string) (string, error) {
	cc.setDeadline()
	kvs, err := cc.c.GetInfo(key)
	if err != nil {
		return "", err
	}
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Val, nil
		}
	}
	return "", fmt.Errorf("GETINFO %s: no value in reply", key)
}

// signal sends SIGNAL name.
func (cc *ctlConn) signal(name string) error {
	cc.setDeadline()
	return cc.c.Signal(name)
}

// Close sends QUIT (bounded by the deadline) and closes the connection.
func (cc *ctlConn) Close() error {
	cc.stop()
	cc.setDeadline()
	return cc.c.Close()
}

// runningRelays parses GETINFO ns/all output (v3 network-status "r" and
// "s" lines, ns or microdesc flavour) and returns the upper-case hex
// fingerprints of the routers flagged Running. Malformed entries are
// skipped; it never fails.
func runningRelays(ns string) map[string]bool {
	running := make(map[string]bool)
	current := ""
	for line := range strings.SplitSeq(ns, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "r":
			current = ""
			if len(fields) >= 3 {
				current = identityHex(fields[2])
			}
		case "s":
			if current != "" && hasFlag(fields[1:], "Running") {
				running[current] = true
			}
			current = ""
		}
	}
	return running
}

// identityHex decodes a base64 router identity (unpadded, as in consensus
// "r" lines) to 40 upper-case hex digits, or "" if malformed or not in
// canonical form.
func identityHex(b64 string) string {
	id, err := base64.RawStdEncoding.Strict().DecodeString(strings.TrimRight(b64, "="))
	if err != nil || len(id) != 20 {
		return ""
	}
	return strings.ToUpper(hex.EncodeToString(id))
}

func hasFlag(flags []string, want string) bool {
	for _, f := range flags {
		if f == want {
			return true
		}
	}
	return false
}
