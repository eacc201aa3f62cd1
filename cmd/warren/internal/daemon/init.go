package daemon

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

// Meta keys: public facts about the node, stored in the clear.
const (
	metaNodeID      = "node_id"
	metaNetworkID   = "network_id"
	metaNetworkName = "network_name"
	metaRecord      = "peer_record"
	metaTCPListen   = "tcp_listen"
	metaGenesis     = "genesis" // the genesis file, normalised
)

// ErrAlreadyInitialized means the state directory already holds a node.
var ErrAlreadyInitialized = errors.New("daemon: state directory already holds a node")

// ErrNotInitialized means the state directory holds no node yet.
var ErrNotInitialized = errors.New("daemon: state directory holds no node; run warren init first")

// InitConfig says how to create a node.
type InitConfig struct {
	Dir        string
	Passphrase []byte
	KDF        store.KDFParams
	// Genesis names the network to join (genesis.ParseFile checks it);
	// nil means a minimal genesis named Network.
	Genesis *genesis.Genesis
	Network string
	// Keys, when set, are the node's keys (warren testnet makes them
	// first, to name bootstrap nodes in the genesis); nil: fresh ones.
	// Init closes them.
	Keys *identity.Keyring
	// VoteKey, when set, is the node's ledger vote key (warren testnet
	// makes it first, to name validators in the genesis); nil: fresh.
	VoteKey ed25519.PrivateKey
	Rand    io.Reader
	Now     func() time.Time
}

// ErrDirNotEmpty means init was pointed at a directory holding something
// other than a Warren node.
var ErrDirNotEmpty = errors.New("daemon: the state directory exists, is not empty, and holds no Warren node; choose another --dir")

// Init creates a node: the store, the vault sealed under the passphrase,
// and fresh keys. It builds the node in a private sibling directory and
// renames it into place, so an interrupted init leaves nothing behind.
// The target may be missing or an empty directory.
func Init(ctx context.Context, cfg InitConfig) (identity.NodeID, error) {
	if err := CheckInitTarget(cfg.Dir); err != nil {
		return identity.NodeID{}, err
	}
	parent := filepath.Dir(filepath.Clean(cfg.Dir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return identity.NodeID{}, fmt.Errorf("daemon: create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".warren-init-")
	if err != nil {
		return identity.NodeID{}, fmt.Errorf("daemon: init: %w", err)
	}
	defer os.RemoveAll(tmp)
	id, err := initIn(ctx, tmp, cfg)
	if err != nil {
		return identity.NodeID{}, err
	}
	if err := os.Rename(tmp, cfg.Dir); err != nil {
		return identity.NodeID{}, fmt.Errorf("daemon: move the new node into place: %w", err)
	}
	return id, nil
}

// CheckInitTarget reports whether init may create a node in dir: it must be
// missing or an empty directory.
func CheckInitTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("daemon: init: %w", err)
	case requireNode(dir) == nil:
		return ErrAlreadyInitialized
	case len(entries) > 0:
		return ErrDirNotEmpty
	}
	return nil
}

func initIn(ctx context.Context, dir string, cfg InitConfig) (identity.NodeID, error) {
	db, err := store.Open(ctx, store.Config{Dir: dir})
	if err != nil {
		return identity.NodeID{}, err
	}
	defer db.Close()
	if err := db.InitVault(ctx, cfg.Passphrase, cfg.KDF, cfg.Rand); err != nil {
		return identity.NodeID{}, err
	}
	vault, err := db.Unlock(ctx, cfg.Passphrase)
	if err != nil {
		return identity.NodeID{}, err
	}
	defer vault.Close()
	kr := cfg.Keys
	if kr == nil {
		if kr, err = identity.Generate(cfg.Rand, cfg.Now()); err != nil {
			return identity.NodeID{}, err
		}
	}
	defer kr.Close()
	if err := kr.Save(ctx, vault); err != nil {
		return identity.NodeID{}, err
	}
	vk := cfg.VoteKey
	if vk == nil {
		if vk, err = newVoteKey(cfg.Rand); err != nil {
			return identity.NodeID{}, err
		}
	}
	if err := saveVoteKey(ctx, vault, db, vk); err != nil {
		return identity.NodeID{}, err
	}
	g := cfg.Genesis
	if g == nil {
		g = genesis.Minimal(cfg.Network)
	}
	netID, err := g.ID()
	if err != nil {
		return identity.NodeID{}, err
	}
	file, err := g.MarshalFile()
	if err != nil {
		return identity.NodeID{}, err
	}
	id := kr.NodeID()
	meta := [][2][]byte{
		{[]byte(metaNetworkID), netID[:]},
		{[]byte(metaNetworkName), []byte(g.Name)},
		{[]byte(metaGenesis), file},
		{[]byte(metaNodeID), id[:]},
	}
	for _, kv := range meta {
		if err := db.PutMeta(ctx, string(kv[0]), kv[1]); err != nil {
			return identity.NodeID{}, fmt.Errorf("daemon: save %s: %w", kv[0], err)
		}
	}
	return id, nil
}

// Info is what a node's state directory says about it without a passphrase.
type Info struct {
	NodeID      identity.NodeID
	NetworkID   [32]byte
	NetworkName string
	Record      []byte // the last signed peer record, or nil
	// Genesis is the network's genesis file as stored at init.
	Genesis []byte
	// VoteKey is the public half of the node's ledger vote key (zero if
	// the node has none yet: made before validators, never run since).
	VoteKey [32]byte
}

// OpenStore opens the store of an initialised node. Unlike store.Open, it
// never creates a database: a directory without one is ErrNotInitialized.
func OpenStore(ctx context.Context, dir string, log *slog.Logger) (*store.DB, error) {
	if err := requireNode(dir); err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{Dir: dir, Logger: log})
}

// RequireNode reports ErrNotInitialized unless dir holds a node's store.
func RequireNode(dir string) error { return requireNode(dir) }

func requireNode(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); errors.Is(err, os.ErrNotExist) {
		return ErrNotInitialized
	}
	return nil
}

// ReadInfo reads the public facts about a node. It only inspects the
// store (no migration), so it is safe while a daemon runs.
func ReadInfo(ctx context.Context, dir string) (Info, error) {
	if err := requireNode(dir); err != nil {
		return Info{}, err
	}
	db, err := store.Open(ctx, store.Config{Dir: dir, Inspect: true})
	if errors.Is(err, store.ErrNoDatabase) {
		return Info{}, ErrNotInitialized
	}
	if err != nil {
		return Info{}, err
	}
	defer db.Close()
	return readInfo(ctx, db)
}

func readInfo(ctx context.Context, db *store.DB) (Info, error) {
	var info Info
	id, ok, err := db.GetMeta(ctx, metaNodeID)
	if err != nil {
		return info, err
	}
	if !ok || len(id) != 32 {
		return info, ErrNotInitialized
	}
	copy(info.NodeID[:], id)
	net, _, err := db.GetMeta(ctx, metaNetworkID)
	if err != nil || len(net) != 32 {
		return info, fmt.Errorf("daemon: network id missing or corrupt: %v", err)
	}
	copy(info.NetworkID[:], net)
	name, _, err := db.GetMeta(ctx, metaNetworkName)
	if err != nil {
		return info, err
	}
	info.NetworkName = string(name)
	if info.Genesis, _, err = db.GetMeta(ctx, metaGenesis); err != nil {
		return info, err
	}
	vk, _, err := db.GetMeta(ctx, metaVoteKey)
	if err != nil {
		return info, err
	}
	if len(vk) == 32 {
		info.VoteKey = [32]byte(vk)
	}
	info.Record, _, err = db.GetMeta(ctx, metaRecord)
	return info, err
}
