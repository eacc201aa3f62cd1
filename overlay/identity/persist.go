package identity

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/subtle"
	"errors"
	"fmt"
)

// SecretStore keeps named secrets (the store package implements it, with
// encryption at rest). PutSecret must not keep plaintext after it returns:
// the caller zeroes it. GetSecret must return a slice the caller owns: Load
// zeroes it after decoding. A missing name is (nil, false, nil).
type SecretStore interface {
	PutSecret(ctx context.Context, name string, plaintext []byte) error
	GetSecret(ctx context.Context, name string) ([]byte, bool, error)
}

// Names of the secrets a keyring is stored under.
const (
	SecretNode  = "identity/node"
	SecretLink  = "identity/link"
	SecretOnion = "identity/onion"
)

// ErrNoKeys is returned by Load when the store holds no node key: the node
// has no identity yet (or a first Save never completed) and should Generate
// one.
var ErrNoKeys = errors.New("identity: no stored keys")

// Save writes the whole keyring. The node key is written last: it marks a
// complete keyring, so a Save interrupted before it leaves a store that Load
// reports as ErrNoKeys rather than as a half-written identity. Save of a
// keyring over a different one already stored is a caller bug that Load
// detects (the blobs name their owner).
func (k *Keyring) Save(ctx context.Context, s SecretStore) error {
	blobs, err := k.encodeAll()
	if err != nil {
		return err
	}
	defer func() {
		for _, b := range blobs {
			clear(b)
		}
	}()
	for _, name := range []string{SecretLink, SecretOnion, SecretNode} {
		if err := s.PutSecret(ctx, name, blobs[name]); err != nil {
			return fmt.Errorf("identity: save %s: %w", name, err)
		}
	}
	return nil
}

// SaveOnion writes only the onion keys, after RotateOnion.
func (k *Keyring) SaveOnion(ctx context.Context, s SecretStore) error {
	blob, err := k.encodeOnionLocked()
	if err != nil {
		return err
	}
	defer clear(blob)
	if err := s.PutSecret(ctx, SecretOnion, blob); err != nil {
		return fmt.Errorf("identity: save %s: %w", SecretOnion, err)
	}
	return nil
}

func (k *Keyring) encodeAll() (map[string][]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.onion == nil {
		return nil, ErrClosed
	}
	return map[string][]byte{
		SecretNode:  encodeNode(k.Node),
		SecretLink:  encodeLink(k.id, k.Link),
		SecretOnion: encodeOnion(k.id, k.onionsLocked()),
	}, nil
}

// encodeOnionLocked takes the read lock itself; the name says that the
// encoding happens while the keys cannot change.
func (k *Keyring) encodeOnionLocked() ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.onion == nil {
		return nil, ErrClosed
	}
	return encodeOnion(k.id, k.onionsLocked()), nil
}

// onionsLocked lists the held onion keys in ascending epoch order. k.mu must
// be held and k not closed.
func (k *Keyring) onionsLocked() []OnionKey {
	if k.onion.previous.Private == nil {
		return []OnionKey{k.onion.current}
	}
	return []OnionKey{k.onion.previous, k.onion.current}
}

// Load reads a keyring written by Save. It returns ErrNoKeys when no node
// key is stored, and an error wrapping ErrCorrupt when a blob is malformed,
// a public key does not match its private key, the link or onion keys
// belong to another node key, or the link key is reused as an onion key.
func Load(ctx context.Context, s SecretStore) (*Keyring, error) {
	nodeBlob, ok, err := getSecret(ctx, s, SecretNode)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoKeys
	}
	defer clear(nodeBlob)
	node, err := decodeNode(nodeBlob)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, SecretNode)
	}
	k, err := loadRest(ctx, s, node)
	if err != nil {
		clear(node)
		return nil, err
	}
	return k, nil
}

func loadRest(ctx context.Context, s SecretStore, node ed25519.PrivateKey) (*Keyring, error) {
	var id NodeID
	copy(id[:], node.Public().(ed25519.PublicKey))
	link, err := loadBlob(ctx, s, SecretLink, id, decodeLink)
	if err != nil {
		return nil, err
	}
	onions, err := loadBlob(ctx, s, SecretOnion, id, decodeOnion)
	if err != nil {
		return nil, err
	}
	if err := checkDistinct(link, onions); err != nil {
		return nil, err
	}
	var prev OnionKey
	if len(onions) == 2 {
		prev = onions[0]
	}
	return newKeyring(node, link, onions[len(onions)-1], prev), nil
}

// loadBlob fetches one secret, decodes it and checks it names owner.
func loadBlob[T any](ctx context.Context, s SecretStore, name string, owner NodeID,
	decode func([]byte) (NodeID, T, error)) (T, error) {
	var zero T
	b, ok, err := getSecret(ctx, s, name)
	if err != nil {
		return zero, err
	}
	if !ok {
		return zero, fmt.Errorf("%w (%s missing)", errIncomplete, name)
	}
	defer clear(b)
	got, v, err := decode(b)
	if err != nil {
		return zero, fmt.Errorf("%w (%s)", err, name)
	}
	if got != owner {
		return zero, fmt.Errorf("%w (%s)", errOwner, name)
	}
	return v, nil
}

func getSecret(ctx context.Context, s SecretStore, name string) ([]byte, bool, error) {
	b, ok, err := s.GetSecret(ctx, name)
	if err != nil {
		return nil, false, fmt.Errorf("identity: load %s: %w", name, err)
	}
	return b, ok, nil
}

func checkDistinct(link *ecdh.PrivateKey, onions []OnionKey) error {
	lp := link.PublicKey().Bytes()
	for _, o := range onions {
		if subtle.ConstantTimeCompare(lp, o.Private.PublicKey().Bytes()) == 1 {
			return errKeyReuse
		}
	}
	return nil
}
