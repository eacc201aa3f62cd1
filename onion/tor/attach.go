package tor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// AttachConfig configures Attach. Attach never modifies it.
type AttachConfig struct {
	// ControlAddr is the running tor's control port: "127.0.0.1:9051" or
	// "unix:/run/tor/control" (required).
	ControlAddr string
	// Password is used when tor offers HASHEDPASSWORD (HashedControlPassword
	// in its torrc). Attach copies it and zeroes its copy on Close.
	Password []byte
	// CookiePath overrides the cookie file tor names in PROTOCOLINFO (for
	// a tor whose view of the file system differs from ours).
	CookiePath string
	// SocksAddr is tor's SOCKS port ("127.0.0.1:9050"); "" means ask tor
	// (GETINFO net/listeners/socks, first loopback TCP listener).
	SocksAddr string
	// Logger, Rand and Now as in LaunchConfig.
	Logger *slog.Logger
	Rand   io.Reader
	Now    func() time.Time
}

// attachSettings is a validated AttachConfig; password is our copy.
type attachSettings struct {
	addr  string
	creds credentials
	socks string
}

// Attach connects to a running tor's control port, authenticates (NULL,
// password or SAFECOOKIE, whichever the tor offers), runs the version
// guard and finds the SOCKS port. Close never stops that tor; our onion
// services are removed from it on Close. If the control connection breaks
// (tor restarted), the next request dials it again.
func Attach(ctx context.Context, cfg AttachConfig) (*Tor, error) {
	s, err := newAttachSettings(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withDefaultTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	t, err := newTor(ModeAttach, cfg.Logger, cfg.Rand, cfg.Now)
	if err != nil {
		s.wipe()
		return nil, err
	}
	t.attach = s
	if err := t.inspectAttached(ctx); err != nil {
		_ = t.Close()
		return nil, err
	}
	t.log.Info("tor: attached; cannot check that this tor has the proof-of-work module (see docs/tor.md)")
	return t, nil
}

func (t *Tor) inspectAttached(ctx context.Context) error {
	if _, err := t.control(ctx); err != nil {
		return err
	}
	if err := t.inspect(ctx); err != nil {
		return err
	}
	_, err := t.pollBootstrap(ctx) // for Status; Attach does not wait
	return err
}

func newAttachSettings(cfg AttachConfig) (*attachSettings, error) {
	if cfg.ControlAddr == "" {
		return nil, fmt.Errorf("%w: ControlAddr is required", ErrConfig)
	}
	if cfg.SocksAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.SocksAddr); err != nil {
			return nil, fmt.Errorf("%w: SocksAddr: %w", ErrConfig, err)
		}
	}
	s := &attachSettings{addr: cfg.ControlAddr, socks: cfg.SocksAddr}
	s.creds.cookiePath = cfg.CookiePath
	if cfg.Password != nil {
		s.creds.password = append([]byte{}, cfg.Password...)
	}
	return s, nil
}

func (s *attachSettings) connect(ctx context.Context, t *Tor) (*ctrl, error) {
	c, err := dialControl(ctx, s.addr)
	if err != nil {
		return nil, err
	}
	if err := c.authenticate(ctx, s.creds, t.rand); err != nil {
		_ = c.close()
		return nil, err
	}
	return c, nil
}

func (s *attachSettings) wipe() {
	clear(s.creds.password)
}
