package record

import (
	"crypto/ed25519"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

var (
	netA = sha256.Sum256([]byte("warren test network A"))
	netB = sha256.Sum256([]byte("warren test network B"))
	// t0 is mid-epoch, so small changes to IssuedAt keep the epoch.
	t0 = identity.EpochStart(2930).Add(3*24*time.Hour + 17*time.Second)
)

func detRand(seed byte) io.Reader { return rand.NewChaCha8([32]byte{seed}) }

// fixedKey is a deterministic 32-byte public key for vectors.
func fixedKey(label string) [32]byte { return sha256.Sum256([]byte(label)) }

// nodeKey is a deterministic ed25519 key independent of package identity.
func nodeKey(label string) (ed25519.PrivateKey, identity.NodeID) {
	seed := sha256.Sum256([]byte("node seed " + label))
	k := ed25519.NewKeyFromSeed(seed[:])
	return k, identity.NodeID(k.Public().(ed25519.PublicKey))
}

func tcp(s string) Addr { return TCPAddr(netip.MustParseAddrPort(s)) }

// unsigned returns a well-formed, unsigned record for node label, issued at
// t0 with a one-day lifetime, and its key.
func unsigned(label string, addrs ...Addr) (*Record, ed25519.PrivateKey) {
	key, id := nodeKey(label)
	if len(addrs) == 0 {
		addrs = []Addr{OnionAddr(id, 443), tcp("127.0.0.1:9001"), tcp("[::1]:9001")}
	}
	issued := uint64(t0.Unix())
	return &Record{
		NodeID: id, LinkKey: fixedKey("link " + label), OnionKey: fixedKey("onion " + label),
		OnionEpoch: identity.EpochAt(t0), Roles: RoleRelay | RoleMailbox,
		IssuedAt: issued, ExpiresAt: issued + 86400, Addrs: addrs,
	}, key
}

// signed returns a record signed for netA.
func signed(t testing.TB, label string, addrs ...Addr) *Record {
	t.Helper()
	r, key := unsigned(label, addrs...)
	if err := r.Sign(key, netA); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return r
}

func mustMarshal(t testing.TB, r *Record) []byte {
	t.Helper()
	b, err := r.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}
