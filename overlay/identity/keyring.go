package identity

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"time"
)

// OnionEpochLength is how long one circuit onion key is current. Epochs are
// counted from the Unix epoch, so every node rotates at the same instant and
// the rotation time says nothing about a node. A node keeps the previous
// epoch's key too, so a key is usable for at most two epochs (14 days):
// peer records must not live longer than one epoch (record.MaxRecordLifetime
// is checked against this constant) so that every key a valid record names
// is still held. Tor rotates its onion keys every 28 days; we use a shorter
// period for better forward secrecy of circuit handshakes.
const OnionEpochLength = 7 * 24 * time.Hour

// KeySize is the size of every private scalar or seed and public key here.
const KeySize = 32

// Errors returned by Keyring methods.
var (
	ErrClosed = errors.New("identity: keyring is closed")
	ErrRandom = errors.New("identity: random source failed")
)

// EpochAt returns the onion-key epoch containing t. Times before the Unix
// epoch map to epoch 0; the count saturates at the largest uint32.
func EpochAt(t time.Time) uint32 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	e := uint64(s) / uint64(OnionEpochLength/time.Second)
	if e > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(e)
}

// EpochStart returns the first instant of epoch e.
func EpochStart(e uint32) time.Time {
	return time.Unix(int64(e)*int64(OnionEpochLength/time.Second), 0)
}

// OnionKey is a circuit onion key and the epoch it belongs to. The zero
// value (Private == nil) means "no key".
type OnionKey struct {
	Epoch   uint32
	Private *ecdh.PrivateKey
}

// Public returns the X25519 public key, or zeros if k holds no key.
func (k OnionKey) Public() [KeySize]byte {
	var p [KeySize]byte
	if k.Private != nil {
		copy(p[:], k.Private.PublicKey().Bytes())
	}
	return p
}

// Keyring holds one node's keys. Its methods are safe for concurrent use.
// The zero value is not usable: get one from Generate or Load.
//
// Node and Link are set by Generate and Load and never change until Close;
// callers read them (to sign, to configure Tor and links) but must not
// write them. Close zeroes Node's bytes and sets both to nil, so call it only
// once nothing uses them any more. The onion keys change on rotation and
// are reached through methods only.
type Keyring struct {
	// Node is the ed25519 node key: the Tor onion-service key and the key
	// that signs peer records.
	Node ed25519.PrivateKey
	// Link is the X25519 link static key (the Noise static key).
	Link *ecdh.PrivateKey

	id      NodeID        // immutable
	linkPub [KeySize]byte // immutable

	mu    sync.RWMutex
	onion *onionKeys // nil after Close
}

// onionKeys is the part of a Keyring that rotation changes, guarded by mu.
// (Printing a *Keyring goes through its redacting Format; a Keyring value
// cannot be copied to print it without go vet's copylocks check firing.)
type onionKeys struct {
	current  OnionKey
	previous OnionKey // Private == nil when there is none
}

// Generate makes a fresh keyring whose onion key belongs to the epoch of
// now. rand must be a cryptographically secure source; nil means
// crypto/rand.Reader. Keys are derived from bytes read from rand, so a
// deterministic reader gives deterministic keys (for tests only).
func Generate(rand io.Reader, now time.Time) (*Keyring, error) {
	rand = orDefault(rand)
	var seed [ed25519.SeedSize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, ErrRandom
	}
	link, err := newX25519(rand)
	if err != nil {
		return nil, err
	}
	onion, err := newX25519(rand)
	if err != nil {
		return nil, err
	}
	node := ed25519.NewKeyFromSeed(seed[:])
	return newKeyring(node, link, OnionKey{Epoch: EpochAt(now), Private: onion}, OnionKey{}), nil
}

func orDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

func newX25519(r io.Reader) (*ecdh.PrivateKey, error) {
	var b [KeySize]byte
	defer clear(b[:])
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, ErrRandom
	}
	clamp(&b)
	k, err := ecdh.X25519().NewPrivateKey(b[:])
	if err != nil {
		return nil, ErrRandom
	}
	return k, nil
}

// clamp applies RFC 7748's decoding of an X25519 scalar to b itself, so the
// stored bytes are the one canonical spelling of the key (X25519 ignores the
// bits clamping sets, so unclamped bytes would give several spellings).
func clamp(b *[KeySize]byte) {
	b[0] &= 248
	b[31] &= 127
	b[31] |= 64
}

func isClamped(b []byte) bool {
	return b[0]&7 == 0 && b[31]&0xc0 == 0x40
}

func newKeyring(node ed25519.PrivateKey, link *ecdh.PrivateKey, cur, prev OnionKey) *Keyring {
	k := &Keyring{Node: node, Link: link, onion: &onionKeys{current: cur, previous: prev}}
	copy(k.id[:], node.Public().(ed25519.PublicKey))
	copy(k.linkPub[:], link.PublicKey().Bytes())
	return k
}

// NodeID returns the node's ID (its ed25519 public key).
func (k *Keyring) NodeID() NodeID { return k.id }

// LinkPublic returns the link static public key.
func (k *Keyring) LinkPublic() [KeySize]byte { return k.linkPub }

// CurrentOnion returns the onion key of the newest epoch, the one to put in
// peer records. Zero after Close.
func (k *Keyring) CurrentOnion() OnionKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.onion == nil {
		return OnionKey{}
	}
	return k.onion.current
}

// OnionByEpoch returns the held onion key of the given epoch: the current or
// the previous one. A circuit handshake names the epoch it used.
func (k *Keyring) OnionByEpoch(epoch uint32) (OnionKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.onion == nil {
		return OnionKey{}, false
	}
	for _, o := range [2]OnionKey{k.onion.current, k.onion.previous} {
		if o.Private != nil && o.Epoch == epoch {
			return o, true
		}
	}
	return OnionKey{}, false
}

// RotateOnion makes a new current onion key if the current one belongs to an
// epoch older than EpochAt(now). The old current key becomes the previous
// key if it is from the epoch just before; otherwise (the node was off for
// more than an epoch) it is dropped, as is any older previous key. A clock
// that went backwards never rotates. Persist the result (SaveOnion) before
// publishing a record naming the new key. rand as in Generate.
func (k *Keyring) RotateOnion(rand io.Reader, now time.Time) (rotated bool, err error) {
	epoch := EpochAt(now)
	k.mu.RLock()
	closed := k.onion == nil
	due := !closed && k.onion.current.Epoch < epoch
	k.mu.RUnlock()
	if closed {
		return false, ErrClosed
	}
	if !due {
		return false, nil
	}
	priv, err := newX25519(orDefault(rand))
	if err != nil {
		return false, err
	}
	return k.installOnion(OnionKey{Epoch: epoch, Private: priv})
}

// installOnion makes next current if it is still newer than the current key
// (another goroutine may have rotated meanwhile).
func (k *Keyring) installOnion(next OnionKey) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.onion == nil {
		return false, ErrClosed
	}
	s := k.onion
	if s.current.Epoch >= next.Epoch {
		return false, nil
	}
	s.previous = OnionKey{}
	if s.current.Epoch+1 == next.Epoch {
		s.previous = s.current
	}
	s.current = next
	return true, nil
}

// Close zeroes the node key's bytes and drops every private key. The X25519 keys
// live inside crypto/ecdh, which offers no way to zero them; dropping the
// last reference is all this package can do for them. Close is idempotent.
func (k *Keyring) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.onion == nil {
		return
	}
	clear(k.Node)
	k.Node, k.Link = nil, nil
	*k.onion = onionKeys{}
	k.onion = nil
}
