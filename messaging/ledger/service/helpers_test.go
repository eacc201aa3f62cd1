package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgertest"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circapi/circapitest"
	"github.com/warrennet/warren/overlay/identity"
)

var (
	testNet    = ledger.NetworkID(sha256.Sum256([]byte("service test network")))
	testParams = ledger.Params{MinFee: 1, Dust: 1}
	// walletNode is the submitting wallet's node: it must appear nowhere
	// a validator stores or logs.
	walletNode = identity.NodeID(sha256.Sum256([]byte("the wallet's node")))
)

func key(label string, i int) ed25519.PrivateKey {
	h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte(label), uint32(i)))
	return ed25519.NewKeyFromSeed(h[:])
}

func pub(k ed25519.PrivateKey) [ledger.KeySize]byte {
	return [ledger.KeySize]byte(k.Public().(ed25519.PublicKey))
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// harness is n validators, each with its ledger service on its own node
// of an in-memory circuit network.
type harness struct {
	t       testing.TB
	net     *circapitest.Net
	com     *ledger.Committee
	relays  []identity.NodeID
	vals    []*ledger.Validator
	mems    []*ledgertest.Mem
	srvs    []*Server
	genesis []ledger.Coin
	logs    *syncBuffer
	supply  uint64
	// catchUp is each server's CatchUpInterval (newHarness: off).
	catchUp time.Duration
}

// ownerGenesis is coins genesis coins of 1000, coin i owned by key("owner", i).
func ownerGenesis(t testing.TB, coins int) []ledger.Coin {
	outs := make([]ledger.Output, coins)
	for i := range outs {
		outs[i] = ledger.Output{Owner: pub(key("owner", i)), Amount: 1000, R: pub(key("r", i))}
	}
	g, err := ledger.GenesisCoins(testNet, outs)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func newHarness(t testing.TB, n int, genesis []ledger.Coin) *harness {
	t.Helper()
	return newHarnessCatchingUp(t, n, genesis, -1)
}

// newHarnessCatchingUp is newHarness with the servers reading each
// other's feeds every catchUp.
func newHarnessCatchingUp(t testing.TB, n int, genesis []ledger.Coin, catchUp time.Duration) *harness {
	t.Helper()
	h := &harness{t: t, net: circapitest.New(), genesis: genesis, logs: &syncBuffer{}, catchUp: catchUp}
	var pubs [][ledger.KeySize]byte
	for i := range n {
		pubs = append(pubs, pub(key("validator", i)))
		h.relays = append(h.relays, identity.NodeID(sha256.Sum256([]byte{'n', byte(i)})))
	}
	var err error
	if h.com, err = ledger.NewCommittee(pubs); err != nil {
		t.Fatal(err)
	}
	for _, c := range genesis {
		h.supply += c.Amount
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for i := range n {
		h.addValidator(i, log)
	}
	t.Cleanup(h.close)
	return h
}

func (h *harness) addValidator(i int, log *slog.Logger) {
	m := ledgertest.NewMem()
	v, err := ledger.NewValidator(ledger.Config{Network: testNet, Committee: h.com, Index: i, Key: key("validator", i),
		Params: testParams, Storage: m, Genesis: h.genesis, Logger: log})
	if err != nil {
		h.t.Fatal(err)
	}
	peers, err := NewDialPeers(DialPeersConfig{Dialer: h.net.Dialer(h.relays[i]), Relays: h.relays, Rand: rand.NewChaCha8([32]byte{byte(i)})})
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := New(Config{Validator: v, Committee: h.com, Network: testNet, Peers: peers,
		VoteTimeout: 300 * time.Millisecond, GatherTimeout: 600 * time.Millisecond, CatchUpInterval: h.catchUp, Logger: log})
	if err != nil {
		h.t.Fatal(err)
	}
	h.net.Host(h.relays[i]).Handle(ServiceName, srv.Handle)
	h.vals, h.mems, h.srvs = append(h.vals, v), append(h.mems, m), append(h.srvs, srv)
}

func (h *harness) close() {
	for _, s := range h.srvs {
		s.Close()
	}
	h.net.Wait()
}

// client returns a wallet-side client with deterministic randomness and
// no delay.
func (h *harness) client(seed byte) *Client {
	c, err := NewClient(ClientConfig{Network: testNet, Committee: h.com, Rand: rand.NewChaCha8([32]byte{seed}),
		MaxDelay: -1, AttemptTimeout: 2 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) dialer() circapi.Dialer { return h.net.Dialer(walletNode) }

// order spends genesis coin i (owned by key("owner", i)) into one
// output; salt makes conflicting orders.
func order(t testing.TB, g []ledger.Coin, i int, salt uint64) []byte {
	t.Helper()
	o := &ledger.Order{Inputs: []ledger.CoinID{g[i].ID}, Fee: 1,
		Outputs: []ledger.Output{{Owner: pub(key("payee", i)), Amount: g[i].Amount - 1 - salt, R: pub(key("r", 0))}}}
	if salt > 0 {
		o.Outputs = append(o.Outputs, ledger.Output{Owner: pub(key("payee", i+1)), Amount: salt, R: pub(key("r", 1))})
	}
	so, err := ledger.SignOrder(testNet, o, []ledger.Signer{ledger.Ed25519Signer(key("owner", i))})
	if err != nil {
		t.Fatal(err)
	}
	b, err := so.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pay submits signed, assembles the certificate and confirms it.
func (h *harness) pay(ctx context.Context, c *Client, signed []byte) (*ledger.Certificate, error) {
	votes, _, err := c.Submit(ctx, h.dialer(), h.relays, signed)
	if err != nil {
		return nil, err
	}
	so, _ := ledger.UnmarshalSignedOrder(signed)
	cert, err := ledger.AssembleCertificate(h.com, testNet, &so.Order, votes)
	if err != nil {
		return nil, err
	}
	return cert, c.Confirm(ctx, h.dialer(), h.relays, cert)
}

// waitApplied waits until the validators idx have applied d.
func (h *harness) waitApplied(d ledger.Digest, idx ...int) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, i := range idx {
		for !h.mems[i].AppliedSet()[d] {
			if time.Now().After(deadline) {
				h.t.Fatalf("validator %d has not applied the certificate", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// checkSupply asserts unspent + burned = genesis supply at every validator.
func (h *harness) checkSupply() {
	h.t.Helper()
	for i, m := range h.mems {
		if u, b, _ := m.Totals(); u+b != h.supply {
			h.t.Errorf("validator %d: unspent %d + burned %d != supply %d", i, u, b, h.supply)
		}
	}
}

// streams records what services read from each stream.
type streams struct {
	mu   sync.Mutex
	read []*syncBuffer
}

// record returns s with its reads copied to a new buffer.
func (r *streams) record(s circapi.Stream) circapi.Stream {
	b := &syncBuffer{}
	r.mu.Lock()
	r.read = append(r.read, b)
	r.mu.Unlock()
	return recorder{s, b}
}

// has reports whether some stream's reads began with frame.
func (r *streams) has(frame []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.read {
		if bytes.HasPrefix(b.Bytes(), frame) {
			return true
		}
	}
	return false
}

// recorder is a stream whose reads are copied to a buffer.
type recorder struct {
	circapi.Stream
	buf *syncBuffer
}

func (r recorder) Read(p []byte) (int, error) {
	n, err := r.Stream.Read(p)
	r.buf.Write(p[:n])
	return n, err
}

// blackHole accepts streams, reads them to the end, and never answers.
func blackHole(rec *streams) circapi.Handler {
	return func(s circapi.Stream) { io.Copy(io.Discard, rec.record(s)) }
}

type circapiStream = circapi.Stream

type openRec struct {
	Dest    identity.NodeID
	purpose string
}

// Purpose used by tests that open streams by hand.
func circapiPurpose() circapi.Purpose { return circapi.Purpose{Kind: PurposeOrder, Key: "test"} }
