package genesis

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Deterministic keys, so vectors are reproducible.

func nodeID(name string) identity.NodeID {
	seed := sha256.Sum256([]byte("genesis test node " + name))
	k := ed25519.NewKeyFromSeed(seed[:])
	return identity.NodeID(k[ed25519.SeedSize:])
}

func linkKey(name string) [KeySize]byte {
	seed := sha256.Sum256([]byte("genesis test link " + name))
	k, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		panic(err)
	}
	return [KeySize]byte(k.PublicKey().Bytes())
}

func valKey(name string) [KeySize]byte {
	seed := sha256.Sum256([]byte("genesis test validator " + name))
	k := ed25519.NewKeyFromSeed(seed[:])
	return [KeySize]byte(k[ed25519.SeedSize:])
}

func tcp(s string) record.Addr { return record.TCPAddr(netip.MustParseAddrPort(s)) }

func peer(name string, addrs ...record.Addr) Peer {
	return Peer{NodeID: nodeID(name), LinkKey: linkKey(name), Addrs: addrs}
}

var created = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sampleLedger stands for a ledger genesis: opaque to this package.
var sampleLedger = []byte("opaque ledger genesis\x00\xff")

// sample is a typical genesis, deliberately not in canonical order.
func sample() *Genesis {
	return &Genesis{
		Name:    "warren-testnet",
		Created: created,
		Bootstrap: []Peer{
			peer("a", tcp("127.0.0.1:4100"), record.OnionAddr(nodeID("a"), 443)),
			peer("b", tcp("[::1]:4101")),
			peer("c", tcp("127.0.0.3:4102"), tcp("127.0.0.2:4102")),
		},
		Validators: []Validator{
			{Key: valKey("v1"), NodeID: nodeID("v1"), Name: "alpha"},
			{Key: valKey("v2"), NodeID: nodeID("v2"), Name: "bravo"},
			{Key: valKey("v3"), NodeID: nodeID("v3"), Name: "charlie"},
			{Key: valKey("v4"), NodeID: nodeID("v4"), Name: "delta"},
		},
		Ledger: sampleLedger,
	}
}

// largest is the largest genesis: every list full, every name longest.
func largest() *Genesis {
	g := &Genesis{Name: fmt.Sprintf("%064d", 0), Created: time.Unix(maxCreated, 0).UTC()}
	for i := range MaxBootstrap {
		id := nodeID(fmt.Sprint(i))
		p := Peer{NodeID: id, LinkKey: linkKey(fmt.Sprint(i))}
		for port := range uint16(record.MaxAddrs) {
			p.Addrs = append(p.Addrs, record.OnionAddr(id, 1000+port))
		}
		g.Bootstrap = append(g.Bootstrap, p)
	}
	for i := range MaxValidators {
		g.Validators = append(g.Validators, Validator{Key: valKey(fmt.Sprint(i)), NodeID: nodeID("v" + fmt.Sprint(i)), Name: fmt.Sprintf("%032d", i)})
	}
	g.Ledger = bytes.Repeat([]byte{0xa5}, MaxLedgerSize)
	return g
}

func mustID(t testing.TB, g *Genesis) [32]byte {
	t.Helper()
	id, err := g.ID()
	if err != nil {
		t.Fatalf("ID: %v", err)
	}
	return id
}

func mustCanonical(t testing.TB, g *Genesis) []byte {
	t.Helper()
	b, err := g.MarshalCanonical()
	if err != nil {
		t.Fatalf("MarshalCanonical: %v", err)
	}
	return b
}

func mustFile(t testing.TB, g *Genesis) []byte {
	t.Helper()
	b, err := g.MarshalFile()
	if err != nil {
		t.Fatalf("MarshalFile: %v", err)
	}
	return b
}

// wantErr checks that err is a *FieldError of the given field and class.
func wantErr(t *testing.T, err error, class error, field string) {
	t.Helper()
	if !errors.Is(err, class) {
		t.Fatalf("error %v, want class %v", err, class)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	if fe.Field != field {
		t.Fatalf("error %q names field %q, want %q", err, fe.Field, field)
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
