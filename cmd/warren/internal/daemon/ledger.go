package daemon

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerdb"
	"github.com/warrennet/warren/messaging/ledger/service"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/messaging/ledger/wallet"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
	"github.com/warrennet/warren/store"
)

// The vote key: every node has one (made at init, or at the first start
// of a node made before validators existed), so that `warren id
// --vote-key` can name it in a genesis before the node ever validates.
// The private half is a vault secret (the ed25519 seed); the public half
// is a clear meta value.
const (
	secretVoteKey = "ledger/vote-key"
	metaVoteKey   = "vote_key"
)

// ErrNotInCommittee: `warren run --validator` on a node whose vote key the
// genesis does not name.
var ErrNotInCommittee = errors.New("daemon: --validator: this node's vote key is not in the network's genesis committee (warren id --vote-key prints it; a genesis lists its validators' vote keys and node IDs)")

// newVoteKey draws a fresh ed25519 vote key from r.
func newVoteKey(r io.Reader) (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(r)
	return k, err
}

// NewVoteKey draws a vote key for InitConfig.VoteKey (nil r: crypto/rand).
func NewVoteKey(r io.Reader) (ed25519.PrivateKey, error) { return newVoteKey(r) }

// VotePublic is the public half of a vote key, as a genesis names it.
func VotePublic(k ed25519.PrivateKey) [32]byte { return [32]byte(k.Public().(ed25519.PublicKey)) }

// saveVoteKey seals k's seed in the vault and records its public half.
func saveVoteKey(ctx context.Context, v *store.Vault, db *store.DB, k ed25519.PrivateKey) error {
	seed := k.Seed()
	defer clear(seed)
	if err := v.PutSecret(ctx, secretVoteKey, seed); err != nil {
		return err
	}
	pub := VotePublic(k)
	return db.PutMeta(ctx, metaVoteKey, pub[:])
}

// loadVoteKey unseals the vote key, making one if this node has none.
func (n *Node) loadVoteKey(ctx context.Context) error {
	seed, ok, err := n.vault.GetSecret(ctx, secretVoteKey)
	defer clear(seed)
	if err != nil {
		return err
	}
	if !ok {
		k, err := newVoteKey(n.cfg.Rand)
		if err != nil {
			return err
		}
		n.voteKey = k
		return saveVoteKey(ctx, n.vault, n.db, k)
	}
	if len(seed) != ed25519.SeedSize {
		return errors.New("daemon: the stored vote key is corrupt")
	}
	n.voteKey = ed25519.NewKeyFromSeed(seed)
	if pub, _, err := n.db.GetMeta(ctx, metaVoteKey); err != nil || len(pub) != 32 || [32]byte(pub) != VotePublic(n.voteKey) {
		return errors.New("daemon: the stored vote key does not match its public half; the state directory is corrupt")
	}
	return nil
}

// ledgerNet is the network's payment system as its genesis defines it.
// Immutable once built.
type ledgerNet struct {
	net    ledger.NetworkID
	com    *ledger.Committee
	params ledger.Params
	coins  []ledger.Coin
	relays []identity.NodeID // relays[i] runs committee member i
	names  []string
	supply uint64
}

// newLedgerNet reads the committee and the genesis coins; nil (and no
// error) when the genesis names no validators: no payments on this
// network.
func newLedgerNet(g *genesis.Genesis, id [32]byte) (*ledgerNet, error) {
	if len(g.Validators) == 0 {
		return nil, nil
	}
	l := &ledgerNet{net: ledger.NetworkID(id)}
	keys := make([][ledger.KeySize]byte, len(g.Validators))
	for i, v := range g.Validators { // canonical order: sorted by key
		keys[i] = v.Key
		l.relays = append(l.relays, v.NodeID)
		l.names = append(l.names, v.Name)
	}
	var err error
	if l.com, err = ledger.NewCommittee(keys); err != nil {
		return nil, fmt.Errorf("daemon: the genesis committee: %w", err)
	}
	if len(g.Ledger) == 0 {
		return l, nil
	}
	lg, err := ledger.UnmarshalLedgerGenesis(g.Ledger)
	if err != nil {
		return nil, fmt.Errorf("daemon: the genesis ledger: %w", err)
	}
	l.params, l.supply = lg.Params, lg.Supply()
	if l.coins, err = lg.Coins(l.net); err != nil {
		return nil, fmt.Errorf("daemon: the genesis ledger: %w", err)
	}
	return l, nil
}

// member is the committee index of vote key k, or -1.
func (l *ledgerNet) member(k [32]byte) int {
	for i := range l.com.N() {
		if l.com.Key(i) == k {
			return i
		}
	}
	return -1
}

// startLedger loads the vote key, reads the network's committee, runs
// the validator (with the validator role) and opens the wallet if there
// is one.
func (n *Node) startLedger(ctx context.Context) error {
	if err := n.loadVoteKey(ctx); err != nil {
		return err
	}
	g, err := n.genesis()
	if err != nil {
		return err
	}
	if n.lnet, err = newLedgerNet(g, n.info.NetworkID); err != nil {
		return err
	}
	if n.roles().Has(record.RoleValidator) {
		if err := n.startValidator(); err != nil {
			return err
		}
	}
	return n.startWallet(ctx)
}

// startValidator runs this node's validator over its store and offers
// the "ledger" circuit service.
func (n *Node) startValidator() error {
	l := n.lnet
	if l == nil {
		return errors.New("daemon: --validator: this network's genesis names no validators")
	}
	if !n.roles().Has(record.RoleRelay) {
		return errors.New("daemon: --validator needs the relay role (wallets reach validators through circuits)")
	}
	idx := l.member(VotePublic(n.voteKey))
	if idx < 0 {
		return ErrNotInCommittee
	}
	if l.relays[idx] != n.info.NodeID {
		return errors.New("daemon: --validator: the genesis names another node for this node's vote key")
	}
	v, err := ledger.NewValidator(ledger.Config{Network: l.net, Committee: l.com, Index: idx, Key: n.voteKey,
		Params: l.params, Storage: ledgerdb.New(n.db, ledgerdb.Config{}), Genesis: l.coins, Logger: n.ledgerLog()})
	if err != nil {
		return err
	}
	var peers service.Peers
	if l.com.N() > 1 {
		if peers, err = service.NewDialPeers(service.DialPeersConfig{Dialer: n.circMgr, Relays: l.relays, Rand: n.cfg.Rand}); err != nil {
			return err
		}
	}
	srv, err := service.New(service.Config{Validator: v, Committee: l.com, Network: l.net, Peers: peers,
		Cursors: ledgerCursors{n}, CatchUpInterval: n.cfg.Ledger.CatchUpInterval, Logger: n.ledgerLog()})
	if err != nil {
		return err
	}
	n.ledgerSrv = srv
	n.services.Handle(service.ServiceName, srv.Handle)
	n.ledgerLog().Info("validating payments", "member", idx, "committee", l.com.N(), "quorum", l.com.Quorum())
	return nil
}

// ledgerDialer hands a stream for this node's own ledger service straight
// to it: the circuit manager builds no path to ourselves, and a wallet on
// a validator's node picks its own node as often as any other. (Only the
// timing differs: no circuit.)
type ledgerDialer struct{ n *Node }

func (d ledgerDialer) Open(ctx context.Context, p circapi.Purpose, dest identity.NodeID, svc string) (circapi.Stream, error) {
	if dest == d.n.info.NodeID && svc == service.ServiceName && d.n.ledgerSrv != nil {
		mine, theirs := net.Pipe()
		go d.n.ledgerSrv.Handle(theirs) // ends when the stream does; Server.Close waits for it
		return mine, nil
	}
	return d.n.circMgr.Open(ctx, p, dest, svc)
}

// closeLedger stops the wallet's jobs (before the circuit manager closes).
func (n *Node) closeLedgerJobs() {
	if n.ledgerJobs != nil {
		n.ledgerJobs.Close()
	}
}

// closeLedger stops the validator's service (after the circuit node) and
// closes the wallet (before the vault), and zeroes the vote key.
func (n *Node) closeLedger() {
	if n.ledgerSrv != nil {
		n.ledgerSrv.Close()
	}
	if w := n.currentWallet(); w != nil {
		w.Close()
	}
	clear(n.voteKey)
}

// Grant is a genesis payment: Amount to the wallet at Address.
type Grant struct {
	Address stealth.Address
	Amount  uint64
}

// MakeLedgerGenesis encodes a ledger genesis (for genesis.Genesis.Ledger)
// paying each grant one coin with a fresh stealth one-time key: output i
// has stealth index i, as wallet.AddGenesis scans it. No grants: nil (a
// network without coins). r nil: crypto/rand.
func MakeLedgerGenesis(params ledger.Params, grants []Grant, r io.Reader) ([]byte, error) {
	if len(grants) == 0 {
		return nil, nil
	}
	if r == nil {
		r = rand.Reader
	}
	g := ledger.LedgerGenesis{Params: params}
	for i, gr := range grants {
		e, err := stealth.NewEphemeral(r)
		if err != nil {
			return nil, err
		}
		owner, tag, err := e.OneTime(gr.Address, uint32(i))
		R := e.R
		e.Close()
		if err != nil {
			return nil, err
		}
		g.Outputs = append(g.Outputs, ledger.Output{Owner: owner, Amount: gr.Amount, ViewTag: tag, R: R})
	}
	return g.Marshal()
}

// NewSeedWords draws a wallet seed and returns its words and address: a
// wallet made later with `wallet restore` from the words owns what a
// genesis pays the address (warren testnet and the demo pay wallets
// before their nodes exist). r nil: crypto/rand.
func NewSeedWords(r io.Reader) ([]string, stealth.Address, error) {
	if r == nil {
		r = rand.Reader
	}
	var seed [stealth.SeedSize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return nil, stealth.Address{}, err
	}
	k := stealth.FromSeed(&seed)
	defer k.Close()
	return wallet.SeedWords(&seed), k.Address(), nil
}

// ledgerLog is the logger of the ledger's components (validator, its
// service, the wallet), tagged so their records can be told apart.
func (n *Node) ledgerLog() *slog.Logger { return n.log.With("component", "ledger") }
