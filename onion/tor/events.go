package tor

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cretz/bine/control"
)

// Waiting for a descriptor upload. bine's Listen does this with its event
// loop, which leaves goroutines behind and cannot be bounded; we subscribe
// to HS_DESC on a second, short-lived control connection before ADD_ONION
// and read its events synchronously under the caller's deadline.

// uploadWatch is a control connection subscribed to HS_DESC events.
type uploadWatch struct {
	c   *ctrl
	log *slog.Logger
}

// watchUploads opens the event connection. Call it before ADD_ONION so
// that no UPLOADED event can be missed.
func (t *Tor) watchUploads(ctx context.Context) (*uploadWatch, error) {
	if err := t.procError(); err != nil {
		return nil, err
	}
	c, err := t.connect(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.do(ctx, "SETEVENTS HS_DESC"); err != nil {
		_ = c.close()
		return nil, err
	}
	return &uploadWatch{c: c, log: t.log}, nil
}

// wait reads events until the descriptor uploads tor launched for
// serviceID (the address without ".onion") have all ended, at least one
// of them accepted (see uploadTracker), or ctx ends. Tor retries failed
// uploads by itself; only the deadline stops the wait.
func (w *uploadWatch) wait(ctx context.Context, serviceID string) error {
	tr := uploadTracker{service: serviceID}
	for {
		var resp *control.Response
		err := w.c.call(ctx, func(cc *control.Conn) error {
			var err error
			resp, err = cc.ReadResponse()
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("tor: descriptor not uploaded before the deadline: %w", ctx.Err())
			}
			return controlError(err)
		}
		w.log.Debug("tor: event", "line", resp.Reply)
		if tr.observe(resp.Reply) {
			return nil
		}
	}
}

func (w *uploadWatch) close() { _ = w.c.close() }

// uploadTracker follows HS_DESC events for one service. Tor launches the
// uploads of a descriptor to all responsible HSDirs at once (one UPLOAD
// event each, back to back; an HSDir responsible for both the current and
// the next time period gets two), then reports UPLOADED or FAILED per
// upload.
// Waiting for all of them, not just the first, matters after a
// re-publication: an HSDir that has not got the new descriptor yet still
// serves the old one, whose introduction points are gone. It is pure.
type uploadTracker struct {
	service  string
	pending  map[string]int // HSDir -> uploads launched, not answered yet
	npending int
	uploaded int
}

// observe feeds one event line ("HS_DESC <action> <address> <auth>
// <hsdir> ...") and reports whether all launched uploads have ended with
// at least one success.
func (u *uploadTracker) observe(line string) bool {
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "HS_DESC" || f[2] != u.service {
		return false
	}
	if u.pending == nil {
		u.pending = make(map[string]int)
	}
	switch f[1] {
	case "UPLOAD":
		u.pending[f[4]]++
		u.npending++
	case "UPLOADED":
		u.uploaded += u.answer(f[4])
	case "FAILED":
		u.answer(f[4])
	}
	return u.uploaded > 0 && u.npending == 0
}

// answer settles one pending upload to hsdir; it returns 1 if there was
// one (so an answer we saw no UPLOAD for counts for nothing).
func (u *uploadTracker) answer(hsdir string) int {
	if u.pending[hsdir] == 0 {
		return 0
	}
	u.pending[hsdir]--
	u.npending--
	return 1
}
