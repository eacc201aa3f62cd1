package torbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/warrennet/warren/onion/tor"
	"github.com/warrennet/warren/onion/tor/tornet"
)

// controlPortFile is the file in a launched tor's DataDir where onion/tor's
// Launch has tor write its control port (ControlPortWriteToFile;
// LaunchConfig documents "the control-port file" in the DataDir).
const controlPortFile = "control-port"

// bench is one run of Measure: what it started, stopped by close in the
// reverse order. Used by one goroutine.
type bench struct {
	s       *settings
	net     *tornet.Network
	client  *tor.Tor
	ctl     *ctl
	relays  []string // the client's view: fingerprints of every relay
	madeDir bool     // Dir/client is ours to remove
}

// start brings up the network, the client tor and our control connection
// to it, and waits until the client knows every relay.
func (b *bench) start(ctx context.Context) error {
	if err := b.s.prepareDirs(); err != nil {
		return err
	}
	if err := b.startNetwork(ctx); err != nil {
		return err
	}
	return b.startClient(ctx)
}

func (b *bench) startNetwork(ctx context.Context) error {
	b.s.progress("tor: starting a private network (%d authority + %d relays)", netAuthorities, netRelays)
	begin := time.Now()
	n, err := tornet.Start(ctx, tornet.Config{
		Dir: b.s.netDir(), Authorities: netAuthorities, Relays: netRelays,
		TorPath: b.s.TorPath, Logger: b.s.log, StartTimeout: networkTimeout,
	})
	if err != nil {
		return err
	}
	b.net = n
	b.s.progress("tor: network ready (%s)", time.Since(begin).Round(100*time.Millisecond))
	return nil
}

// startClient launches the client tor on the network, waits for its
// bootstrap, connects our own control connection and learns the relays.
func (b *bench) startClient(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	begin := time.Now()
	if err := os.Mkdir(b.s.clientDir(), 0o700); err != nil {
		return fmt.Errorf("%w: creating the client's DataDir: %w", ErrConfig, err)
	}
	b.madeDir = true
	c, err := tor.Launch(ctx, tor.LaunchConfig{
		TorPath: b.s.TorPath, DataDir: b.s.clientDir(), ExtraTorrc: b.net.ClientTorrc(), Logger: b.s.log,
	})
	if err != nil {
		return err
	}
	b.client = c
	if err := c.Bootstrap(ctx, nil); err != nil {
		return err
	}
	if b.ctl, err = b.dialClientControl(ctx); err != nil {
		return err
	}
	want := netAuthorities + netRelays
	if b.relays, err = b.ctl.waitRelays(ctx, want); err != nil {
		return err
	}
	b.s.progress("tor: client bootstrapped, knows all %d relays (%s)", want, time.Since(begin).Round(100*time.Millisecond))
	return nil
}

// dialClientControl opens our own control connection to the client: the
// measurement needs events and EXTENDCIRCUIT/ATTACHSTREAM, which onion/tor
// does not expose.
func (b *bench) dialClientControl(ctx context.Context) (*ctl, error) {
	raw, err := os.ReadFile(filepath.Join(b.s.clientDir(), controlPortFile))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the client's control-port file: %w", ErrControl, err)
	}
	addr, err := parseControlPortFile(string(raw))
	if err != nil {
		return nil, err
	}
	return dialCtl(ctx, addr, b.s.log)
}

// close stops everything start started: our control connection, the
// client tor, then the network; it removes Dir/client. Errors are joined
// and wrap ErrStop.
func (b *bench) close() error {
	var errs []error
	if b.ctl != nil {
		b.ctl.close()
	}
	if b.client != nil {
		if err := b.client.Close(); err != nil {
			errs = append(errs, fmt.Errorf("client tor: %w", err))
		}
	}
	if b.net != nil {
		if err := b.net.Close(); err != nil {
			errs = append(errs, fmt.Errorf("network: %w", err))
		}
	}
	if b.madeDir {
		if err := os.RemoveAll(b.s.clientDir()); err != nil {
			errs = append(errs, fmt.Errorf("removing the client's DataDir: %w", err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrStop, errors.Join(errs...))
}
