// Package daemon is the composition root of `warren run`: it opens the
// store, unlocks the vault, loads the keys, listens for links, runs the
// overlay (address book, gossip, connection manager), and serves the local
// API.
//
// Shutdown order (Node.Close), each step waiting for the goroutines it owns:
//  1. the local API (no new commands);
//  2. the link listener and its accept loop (no new inbound links;
//     handshakes in flight end);
//  3. messaging (its deliveries and fetches), the wallet's re-sends of
//     pending payments, the circuit manager, the circuit node (every
//     circuit), the mailbox service, the validator's ledger service and
//     the wallet (the vote key is zeroed);
//  4. the connection manager: its dials, every link, and a last save of
//     the address book;
//  5. gossip;
//  6. the housekeeping loop (record refresh, key rotation);
//  7. the vault (the data key is zeroed) and the keyring;
//  8. the store;
//  9. the state-directory lock.
//
// Nothing in this package reads flags or the environment; cmd/warren does.
package daemon

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"github.com/warrennet/warren/onion/circmgr"
	"github.com/warrennet/warren/onion/circuit"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/service"
	"github.com/warrennet/warren/messaging/ledger/wallet"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/messenger"
	"github.com/warrennet/warren/overlay/addrman"
	"github.com/warrennet/warren/overlay/gossip"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/peers"
	"github.com/warrennet/warren/overlay/record"
	"github.com/warrennet/warren/store"
)

// Config says how to run a node. Zero fields take the defaults noted.
type Config struct {
	Dir string
	// Passphrase unlocks the vault; Start zeroes it once used.
	Passphrase []byte
	// Listen is the TCP address for inbound links when Tor is nil; empty
	// means the address used last time, or a free port on 127.0.0.1.
	Listen string
	// Tor, when set, makes the node link over Tor onion services.
	Tor *TorConfig
	// Peers are signed records of nodes to keep a link to.
	Peers [][]byte
	// Roles this node announces in its record.
	Roles record.Roles
	// RecordLifetime is how long a signed record stays valid (default 24h).
	RecordLifetime time.Duration
	// Link tunes the links; zero fields mean the link package's defaults.
	Link LinkTuning
	// Overlay tunes the connection manager; zero fields mean its defaults.
	Overlay OverlayTuning
	// Ledger tunes the payment client; zero fields mean its defaults.
	Ledger  LedgerTuning
	Version string
	Logger  *slog.Logger
	Rand    io.Reader
	Now     func() time.Time
}

// LinkTuning overrides link timeouts (tests use short ones).
type LinkTuning struct {
	HandshakeTimeout  time.Duration
	KeepaliveInterval time.Duration
	IdleTimeout       time.Duration
}

// OverlayTuning overrides the connection manager's defaults (tests use
// short ones).
type OverlayTuning struct {
	OutboundTarget int
	PingInterval   time.Duration
	IdleTimeout    time.Duration
}

// Node is a running warren daemon. Close is idempotent and safe for
// concurrent use; Done is closed when the node has stopped.
type Node struct {
	cfg           Config
	info          Info
	lock          *os.File
	db            *store.DB
	vault         *store.Vault
	keyMu         sync.Mutex // guards the onion keys in keys during rotation
	keys          *identity.Keyring
	linkCfg       *link.Config
	ln            *link.Listener
	apiSrv        *api.Server
	book          *addrman.Book
	gossip        *gossip.Engine
	mgr           *peers.Manager
	circ          *circuit.Node
	circMgr       *circmgr.Manager
	services      *circuit.Services
	mailbox       *mailbox.Server
	msgr          *messenger.Messenger
	voteKey       ed25519.PrivateKey // zeroed on close
	lnet          *ledgerNet         // nil: no validators in the genesis
	ledgerSrv     *service.Server    // with the validator role
	payer         *service.Client
	ledgerJobs    *group // re-sends of pending payments
	walletMu      sync.Mutex
	wallet        *wallet.Wallet         // guarded by walletMu; nil until created
	sending       map[ledger.Digest]bool // guarded by walletMu: payments being sent
	walletOpMu    sync.Mutex             // serialises wallet create and restore
	walletSyncMu  sync.Mutex             // serialises wallet syncs (they share feed cursors)
	anonLinkCfg   *link.Config           // links to guards: no identity
	acceptLoop    *group
	house         *group
	started       time.Time
	listen        string      // the local listener's address
	addr          record.Addr // the address in our record
	transport     transport
	recordExpires time.Time
	log           *slog.Logger
	stop          chan struct{}
	stopOnce      sync.Once
	closeOnce     sync.Once
	done          chan struct{}
	closeErr      error
}

// SocketPath is where a node's local API listens.
func SocketPath(dir string) string { return filepath.Join(dir, "warren.sock") }

// Start opens the node in cfg.Dir and starts it.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg = withDefaults(cfg)
	n := &Node{cfg: cfg, log: cfg.Logger, started: cfg.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	steps := []func(context.Context) error{n.checkInitialized, n.lockDir, n.openStore, n.loadKeys, n.listenLinks, n.publishRecord, n.startOverlay, n.startCircuits, n.startMessaging, n.startLedger, n.startAccept, n.startAPI}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			n.Close()
			return nil, err
		}
	}
	n.house = newGroup(context.Background())
	n.house.Go(n.housekeeping)
	return n, nil
}

// tcpListenAddr is cfg.Listen, else the address used last time, else a
// free loopback port.
func (n *Node) tcpListenAddr(ctx context.Context) string {
	if n.cfg.Listen != "" {
		return n.cfg.Listen
	}
	if last, ok, err := n.db.GetMeta(ctx, metaTCPListen); err == nil && ok {
		return string(last)
	}
	return "127.0.0.1:0"
}

func withDefaults(cfg Config) Config {
	if cfg.RecordLifetime == 0 {
		cfg.RecordLifetime = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

func (n *Node) checkInitialized(context.Context) error { return requireNode(n.cfg.Dir) }

func (n *Node) lockDir(context.Context) error {
	f, err := os.OpenFile(filepath.Join(n.cfg.Dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ErrNotInitialized
		}
		return fmt.Errorf("daemon: lock state directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return errors.New("daemon: another warren daemon is using this state directory")
		}
		return fmt.Errorf("daemon: lock state directory: %w", err)
	}
	n.lock = f
	return nil
}

func (n *Node) openStore(ctx context.Context) error {
	db, err := OpenStore(ctx, n.cfg.Dir, n.log)
	if err != nil {
		return err
	}
	n.db = db
	if n.info, err = readInfo(ctx, db); err != nil {
		return err
	}
	n.vault, err = db.Unlock(ctx, n.cfg.Passphrase)
	clear(n.cfg.Passphrase) // Start owns it from here: zeroed once used
	n.cfg.Passphrase = nil
	return err
}

func (n *Node) loadKeys(ctx context.Context) error {
	kr, err := identity.Load(ctx, n.vault)
	if err != nil {
		return err
	}
	n.keys = kr
	if kr.NodeID() != n.info.NodeID {
		return errors.New("daemon: stored keys do not match the node ID; the state directory is corrupt")
	}
	_, err = n.rotateOnion(ctx)
	return err
}

func (n *Node) listenLinks(ctx context.Context) error {
	n.transport = &tcpTransport{addr: n.tcpListenAddr(ctx)}
	if n.cfg.Tor != nil {
		n.transport = &onionTransport{n: n, cfg: *n.cfg.Tor}
	}
	inner, addr, err := n.transport.Listen(ctx)
	if t, ok := n.transport.(*tcpTransport); ok && err != nil && n.cfg.Listen == "" && t.addr != "127.0.0.1:0" {
		n.log.Warn("the port used last time is taken; listening on a new one (peers need the new record)")
		t.addr = "127.0.0.1:0"
		inner, addr, err = n.transport.Listen(ctx)
	}
	if err != nil {
		return err
	}
	n.listen, n.addr = inner.Addr().String(), addr
	if n.cfg.Tor == nil {
		// Reuse this port next time, so peers' copies of our record stay good.
		if err := n.db.PutMeta(ctx, metaTCPListen, []byte(n.listen)); err != nil {
			return err
		}
	}
	n.linkCfg = &link.Config{
		NetworkID: n.info.NetworkID, NodeKey: n.keys.Node, LinkKey: n.keys.Link,
		HandshakeTimeout:  n.cfg.Link.HandshakeTimeout,
		KeepaliveInterval: n.cfg.Link.KeepaliveInterval,
		IdleTimeout:       n.cfg.Link.IdleTimeout,
		Rand:              n.cfg.Rand, Now: n.cfg.Now, Logger: n.log,
	}
	n.anonLinkCfg = &link.Config{
		NetworkID:         n.info.NetworkID,
		HandshakeTimeout:  n.cfg.Link.HandshakeTimeout,
		KeepaliveInterval: n.cfg.Link.KeepaliveInterval,
		IdleTimeout:       n.cfg.Link.IdleTimeout,
		Rand:              n.cfg.Rand, Now: n.cfg.Now, Logger: n.log,
	}
	n.ln = link.Listen(inner, n.linkCfg, n.transport.ListenerConfig())
	return nil
}

func (n *Node) startAPI(context.Context) error {
	srv, err := api.Listen(SocketPath(n.cfg.Dir), n, n.log)
	if err != nil {
		return err
	}
	n.apiSrv = srv
	return nil
}

// Shutdown asks the node to stop; Wait or Done tells when it has.
func (n *Node) Shutdown() { n.stopOnce.Do(func() { close(n.stop) }) }

// Stopping is closed when Shutdown has been called.
func (n *Node) Stopping() <-chan struct{} { return n.stop }

// Close stops the node in the documented order. It is idempotent.
func (n *Node) Close() error {
	n.Shutdown()
	n.closeOnce.Do(n.closeAll)
	return n.closeErr
}

// Done is closed once Close has finished.
func (n *Node) Done() <-chan struct{} { return n.done }

func (n *Node) closeAll() {
	var errs []error
	if n.apiSrv != nil {
		errs = append(errs, n.apiSrv.Close())
	}
	if n.ln != nil {
		errs = append(errs, n.ln.Close())
	}
	if n.acceptLoop != nil {
		n.acceptLoop.Close()
	}
	if n.msgr != nil {
		n.msgr.Close()
	}
	n.closeLedgerJobs()
	if n.circMgr != nil {
		n.circMgr.Close()
	}
	if n.circ != nil {
		n.circ.Close()
	}
	if n.mailbox != nil {
		n.mailbox.Close()
	}
	n.closeLedger()
	if n.mgr != nil {
		n.mgr.Close()
	}
	if n.gossip != nil {
		n.gossip.Close()
	}
	if n.house != nil {
		n.house.Close()
	}
	if n.vault != nil {
		n.vault.Close()
	}
	if n.transport != nil {
		errs = append(errs, n.transport.Close())
	}
	if n.keys != nil {
		n.keys.Close()
	}
	if n.db != nil {
		errs = append(errs, n.db.Close())
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Close())
	}
	n.closeErr = errors.Join(errs...)
	close(n.done)
}
