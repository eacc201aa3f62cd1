package peers

import (
	"context"
	"log/slog"
)

// logger keeps peer identities at Debug: Info and above say only what
// happened and in which direction.
type logger struct{ l *slog.Logger }

func dir(p *peerLink) string {
	if p.outbound {
		return "outbound"
	}
	return "inbound"
}

func (g logger) linkUp(p *peerLink) {
	g.l.Info("link up", "dir", dir(p), "authenticated", p.auth)
	g.debug("link up", "peer", p.id.Short())
}

func (g logger) linkDown(p *peerLink) {
	g.l.Info("link down", "dir", dir(p))
}

func (g logger) linkErr(p *peerLink, err error) {
	g.debug("link closing", "peer", p.id.Short(), "err", err)
}

func (g logger) debug(msg string, args ...any) {
	if g.l.Enabled(context.Background(), slog.LevelDebug) {
		g.l.Debug(msg, args...)
	}
}
