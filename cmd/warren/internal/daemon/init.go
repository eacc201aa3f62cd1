package daemon

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

// Meta keys: public facts about the node, stored in the clear.
const (
	metaNodeID      = "node_id"
	metaNetworkID   = "network_id"
	metaNetworkName = "network_name"
	metaRecord      = "peer_record"
)

// ErrAlreadyInitialized means the state directory already holds a node.
var ErrAlreadyInitialized = errors.New("daemon: state directory already holds a node")

// ErrNotInitialized means the state directory holds no node yet.
var ErrNotInitialized = errors.New("daemon: state directory holds no node; run warren init first")

// NetworkID derives a network's 32-byte ID from its name. The network
// genesis file (a later issue) replaces this with the hash of its canonical
// form.
func NetworkID(name string) [32]byte {
	return sha256.Sum256([]byte("warren/network/v1\x00" + name))
}

// InitConfig says how to create a node.
type InitConfig struct {
	Dir        string
	Passphrase []byte
	KDF        store.KDFParams
	Network    string
	Rand       io.Reader
	Now        func() time.Time
}

// Init creates a node in an empty state directory: the store, the vault
// sealed under the passphrase, and fresh keys.
func Init(ctx context.Context, cfg InitConfig) (identity.NodeID, error) {
	db, err := store.Open(ctx, store.Config{Dir: cfg.Dir})
	if err != nil {
		return identity.NodeID{}, err
	}
	defer db.Close()
	if _, ok, err := db.GetMeta(ctx, metaNodeID); err != nil {
		return identity.NodeID{}, err
	} else if ok {
		return identity.NodeID{}, ErrAlreadyInitialized
	}
	if err := db.InitVault(ctx, cfg.Passphrase, cfg.KDF, cfg.Rand); err != nil {
		return identity.NodeID{}, err
	}
	vault, err := db.Unlock(ctx, cfg.Passphrase)
	if err != nil {
		return identity.NodeID{}, err
	}
	defer vault.Close()
	kr, err := identity.Generate(cfg.Rand, cfg.Now())
	if err != nil {
		return identity.NodeID{}, err
	}
	defer kr.Close()
	if err := kr.Save(ctx, vault); err != nil {
		return identity.NodeID{}, err
	}
	id := kr.NodeID()
	netID := NetworkID(cfg.Network)
	for k, v := range map[string][]byte{
		metaNetworkID:   netID[:],
		metaNetworkName: []byte(cfg.Network),
		metaNodeID:      id[:],
	} {
		if err := db.PutMeta(ctx, k, v); err != nil {
			return identity.NodeID{}, fmt.Errorf("daemon: save %s: %w", k, err)
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
}

// OpenStore opens the store of an initialised node. Unlike store.Open, it
// never creates a database: a directory without one is ErrNotInitialized.
func OpenStore(ctx context.Context, dir string, log *slog.Logger) (*store.DB, error) {
	if err := requireNode(dir); err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{Dir: dir, Logger: log})
}

func requireNode(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); errors.Is(err, os.ErrNotExist) {
		return ErrNotInitialized
	}
	return nil
}

// ReadInfo reads the public facts about a node.
func ReadInfo(ctx context.Context, dir string) (Info, error) {
	db, err := OpenStore(ctx, dir, nil)
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
	info.Record, _, err = db.GetMeta(ctx, metaRecord)
	return info, err
}
