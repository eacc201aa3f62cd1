package link

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link/wire"
)

// signCert certifies linkPub for the node key on networkID.
func signCert(nodeKey ed25519.PrivateKey, networkID, linkPub [32]byte) wire.LinkCert {
	var c wire.LinkCert
	copy(c.Node[:], nodeKey.Public().(ed25519.PublicKey))
	msg := wire.CertMessage(networkID, linkPub)
	copy(c.Sig[:], ed25519.Sign(nodeKey, msg[:]))
	return c
}

// verifyCert checks that c.Node is a valid node key (identity.ValidNodeKey:
// under a small-order key anyone can sign) and that c is its signature over
// peerStatic (the peer's Noise static key, as seen in the handshake) on
// networkID. Hits in cache skip the signature check.
func verifyCert(cache *certCache, c *wire.LinkCert, networkID [32]byte, peerStatic []byte) (identity.NodeID, error) {
	if len(peerStatic) != 32 {
		return identity.NodeID{}, fmt.Errorf("%w: no peer static key", ErrBadCert)
	}
	if !identity.ValidNodeKey(c.Node) {
		return identity.NodeID{}, ErrBadCert // small order: anyone can sign
	}
	var e certEntry
	copy(e.node[:], c.Node[:])
	copy(e.sig[:], c.Sig[:])
	copy(e.link[:], peerStatic)
	if cache.has(&e) {
		return identity.NodeID(c.Node), nil
	}
	msg := wire.CertMessage(networkID, e.link)
	if !ed25519.Verify(c.Node[:], msg[:], c.Sig[:]) {
		return identity.NodeID{}, ErrBadCert
	}
	cache.add(&e)
	return identity.NodeID(c.Node), nil
}

// certCacheSlots is the number of verified certificates remembered per
// Config: enough for the relays a node links to repeatedly.
const certCacheSlots = 512

// certCache remembers certificates that verified, so a peer that links
// again costs no signature check (about 60 µs, a tenth of an IK
// handshake). Signature verification is a pure function of node key,
// message and signature, and the message is fixed by the network ID (one
// per Config) and the link key, so an exact match on (node, sig, link) is
// as good as verifying again. Only successes are stored; the slot comes
// from the signature bytes, so a peer can at worst evict entries, never
// forge one. Safe for concurrent use; nil caches nothing.
type certCache struct {
	mu    sync.Mutex
	slots [certCacheSlots]certEntry
}

type certEntry struct {
	node, link [32]byte
	sig        [64]byte
}

func (e *certEntry) slot() int { return int(binary.LittleEndian.Uint64(e.sig[:8]) % certCacheSlots) }

func (c *certCache) has(e *certEntry) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slots[e.slot()] == *e
}

func (c *certCache) add(e *certEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots[e.slot()] = *e
}

// sameID compares two node IDs in constant time.
func sameID(a, b identity.NodeID) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
