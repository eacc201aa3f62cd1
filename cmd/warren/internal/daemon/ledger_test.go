package daemon

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerdb"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
	"github.com/warrennet/warren/store"
)

// syncBuf is a log sink shared by a node's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// payNet is a loopback testnet whose genesis names validators and pays
// genesis coins to wallets drawn before the nodes exist.
type payNet struct {
	nodes []*tnode
	logs  []*syncBuf
	words [][]string
}

// makePayNet makes vals validator nodes (relays, the first two also
// bootstrap peers), relays plain relays and wallets client nodes; wallet
// i gets 1,000,000 in genesis coin i.
func makePayNet(t *testing.T, vals, relays, wallets int) *payNet {
	t.Helper()
	g := &genesis.Genesis{Name: "ledger-test"}
	p := &payNet{}
	var keys []*identity.Keyring
	var votes []ed25519.PrivateKey
	var grants []Grant
	for i := range vals + relays + wallets {
		kr, err := identity.Generate(rand.Reader, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		vk, _ := NewVoteKey(rand.Reader)
		tn := &tnode{dir: filepath.Join(t.TempDir(), fmt.Sprint("n", i)), id: kr.NodeID()}
		if i < vals+relays {
			tn.roles = record.RoleRelay
		}
		if i < vals {
			tn.roles = record.RoleRelay | record.RoleValidator
			g.Validators = append(g.Validators, genesis.Validator{Key: VotePublic(vk), NodeID: kr.NodeID(), Name: fmt.Sprint("v", i)})
		}
		if i < 2 {
			tn.listen = freePort(t)
			g.Bootstrap = append(g.Bootstrap, genesis.Peer{NodeID: kr.NodeID(), LinkKey: kr.LinkPublic(),
				Addrs: []record.Addr{record.TCPAddr(netip.MustParseAddrPort(tn.listen))}})
		}
		if i >= vals+relays {
			words, addr, err := NewSeedWords(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			p.words = append(p.words, words)
			grants = append(grants, Grant{Address: addr, Amount: 1_000_000})
		}
		p.nodes, keys, votes = append(p.nodes, tn), append(keys, kr), append(votes, vk)
	}
	var err error
	if g.Ledger, err = MakeLedgerGenesis(ledger.Params{MinFee: 1, Dust: 1}, grants, rand.Reader); err != nil {
		t.Fatal(err)
	}
	for i, tn := range p.nodes {
		_, err := Init(context.Background(), InitConfig{Dir: tn.dir, Passphrase: bytes.Clone(testPass),
			KDF: store.TestKDFParams(), Genesis: g, Keys: keys[i], VoteKey: votes[i], Rand: rand.Reader, Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		p.logs = append(p.logs, &syncBuf{})
	}
	return p
}

func (p *payNet) start(t *testing.T, i int) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() && testing.Verbose() {
			for _, l := range strings.Split(p.logs[i].String(), "\n") {
				if strings.Contains(l, "component=ledger") || strings.Contains(l, "circmgr") {
					t.Logf("node %d: %s", i, l)
				}
			}
		}
	})
	tn := p.nodes[i]
	n, err := Start(context.Background(), Config{
		Dir: tn.dir, Passphrase: bytes.Clone(testPass), Listen: tn.listen, Rand: rand.Reader,
		Link:    LinkTuning{KeepaliveInterval: 200 * time.Millisecond, IdleTimeout: time.Second},
		Overlay: overlayTuning, Roles: tn.roles,
		Ledger: LedgerTuning{MaxDelay: -1, AttemptTimeout: 5 * time.Second, StatusTimeout: 10 * time.Second, ResendInterval: time.Second,
			CatchUpInterval: 500 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(p.logs[i], &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	tn.n = n
	t.Cleanup(func() { n.Close() })
}

// TestPaymentsOverLoopbackTCP: 4 validators, 2 plain relays and 2 wallet
// nodes (clients) over loopback TCP: payments through circuits become final; with one
// validator down they still do; the validators' ledger data and ledger
// logs never hold the paying node's ID.
func TestPaymentsOverLoopbackTCP(t *testing.T) {
	p := makePayNet(t, 4, 2, 2)
	for i := range p.nodes {
		p.start(t, i)
	}
	waitUntil(t, gossipBound, "every node knows every record", func() bool { return knowsAll(p.nodes) })
	ctx := context.Background()
	a, b := p.nodes[6].n, p.nodes[7].n
	for i, w := range []*Node{a, b} {
		if _, err := w.WalletRestore(ctx, strings.Join(p.words[i], " ")); err != nil {
			t.Fatal(err)
		}
	}
	if bal, _ := a.WalletBalance(); bal.Spendable != 1_000_000 {
		t.Fatalf("a's genesis balance %+v", bal)
	}
	st, err := a.WalletStatus(ctx)
	if err != nil || !st.OK || st.Reachable != 4 {
		t.Fatalf("status %+v, %v", st, err)
	}
	to, _ := b.WalletAddress()
	var finals []time.Duration
	var paid uint64
	for i := range 20 {
		pay := mustPay(t, a, to.Address, uint64(100+i))
		finals, paid = append(finals, time.Duration(pay.FinalityMS*float64(time.Millisecond))), paid+uint64(100+i)
		applyAt(t, b, pay)
	}
	logFigures(t, "4 validators up", finals)
	p.nodes[3].n.Close() // one validator down: still final (q = 3 of 4)
	var down []time.Duration
	for range 5 { // b is not told of these: it finds them by syncing
		pay := mustPay(t, a, to.Address, 7)
		down, paid = append(down, time.Duration(pay.FinalityMS*float64(time.Millisecond))), paid+7
	}
	logFigures(t, "1 of 4 validators down", down)
	syncFinds(t, b, 5, 35)
	p.catchUp(t)
	if bal, _ := b.WalletBalance(); bal.Spendable != 1_000_000+paid {
		t.Fatalf("b holds %+v, want %d spendable", bal, 1_000_000+paid)
	}
	if bal, _ := a.WalletBalance(); bal.Spendable != 1_000_000-paid-25 {
		t.Fatalf("a holds %+v, want %d", bal, 1_000_000-paid-25)
	}
	for i := range 4 {
		p.checkSupply(t, i)
		p.noTrace(t, i, p.nodes[6].id)
	}
	p.nodes[3].n.Close()
	p.stallAndResume(t, to.Address)
}

// syncFinds: a wallet sync (every validator's feed, the down one's
// failing) finds coins payments worth amount that nobody told b of; a
// second sync finds nothing new.
func syncFinds(t *testing.T, b *Node, coins int, amount uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := b.WalletSync(ctx)
	if err != nil || res.Found != coins || res.FoundAmount != amount {
		t.Fatalf("sync: %+v, %v; want %d coins worth %d", res, err, coins, amount)
	}
	reached := 0
	for _, v := range res.Validators {
		if v.Error == "" {
			reached++
		}
	}
	if reached < 3 {
		t.Fatalf("sync reached %d validators: %+v", reached, res.Validators)
	}
	again, err := b.WalletSync(ctx)
	if err != nil || again.Found != 0 || again.Scanned != 0 {
		t.Fatalf("second sync: %+v, %v", again, err)
	}
}

// catchUp: validator 3, down during the last payments, comes back and
// applies the certificates it missed from its peers' feeds.
func (p *payNet) catchUp(t *testing.T) {
	t.Helper()
	want, err := ledgerdb.New(p.nodes[0].n.db, ledgerdb.Config{}).Audit()
	if err != nil {
		t.Fatal(err)
	}
	p.start(t, 3)
	waitUntil(t, 30*time.Second, "the restarted validator to catch up", func() bool {
		got, err := ledgerdb.New(p.nodes[3].n.db, ledgerdb.Config{}).Audit()
		return err == nil && got.Applied == want.Applied
	})
}

// stallAndResume: with 2 of 4 validators down a payment cannot become
// final and says so; it stays journaled. Once they are back, the wallet
// node (restarted too) keeps re-sending the identical order, which
// becomes final.
func (p *payNet) stallAndResume(t *testing.T, to string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.nodes[2].n.Close()
	a := p.nodes[6].n
	pay, err := a.WalletSend(ctx, api.PayRequest{To: to, Amount: 5})
	if err != nil || pay.Final || !strings.Contains(pay.Note, "no quorum") {
		t.Fatalf("with 2 of 4 validators down: %+v, %v", pay, err)
	}
	if bal, _ := a.WalletBalance(); bal.Sending == 0 {
		t.Fatalf("the stalled payment's inputs are not shown as sending: %+v", bal)
	}
	a.Close()
	p.start(t, 2)
	p.start(t, 3)
	waitUntil(t, gossipBound, "the validators are back in every book", func() bool { return knowsAll(p.nodes[:6]) })
	p.start(t, 6)
	waitUntil(t, 30*time.Second, "the pending payment re-sent and final", func() bool {
		h, _ := p.nodes[6].n.WalletHistory()
		for _, e := range h {
			if e.ID == pay.ID {
				return e.State == "final"
			}
		}
		return false
	})
	if bal, _ := p.nodes[6].n.WalletBalance(); bal.Sending != 0 {
		t.Fatalf("after the re-send: %+v", bal)
	}
}

func mustPay(t *testing.T, a *Node, to string, amount uint64) api.Payment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pay, err := a.WalletSend(ctx, api.PayRequest{To: to, Amount: amount})
	if err != nil || !pay.Final || len(pay.Signers) < 3 {
		t.Fatalf("payment: %+v, %v", pay, err)
	}
	return pay
}

// applyAt hands the certificate to the payee (the stand-in for an
// end-to-end notification).
func applyAt(t *testing.T, b *Node, pay api.Payment) {
	t.Helper()
	if _, err := b.WalletApply(context.Background(), pay.Certificate); err != nil {
		t.Fatal(err)
	}
}

func logFigures(t *testing.T, what string, d []time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	t.Logf("time to finality, %s, %d payments over loopback TCP circuits: median %v, p99 %v, max %v",
		what, len(s), s[len(s)/2], s[(len(s)*99+99)/100-1], s[len(s)-1])
}

// checkSupply: Σ unspent + burned = genesis supply at validator i.
func (p *payNet) checkSupply(t *testing.T, i int) {
	t.Helper()
	tot, err := ledgerdb.New(p.nodes[i].n.db, ledgerdb.Config{}).Audit()
	if err != nil || !tot.Conserved(2_000_000) {
		t.Fatalf("validator %d: %+v, %v", i, tot, err)
	}
}

// noTrace: validator i's ledger data (coins, locked orders) and its
// ledger logs hold no form of id. (Its address book and overlay logs do
// name the node: it is an overlay peer. What must not link it to a
// payment is the ledger side.)
func (p *payNet) noTrace(t *testing.T, i int, id identity.NodeID) {
	t.Helper()
	st := ledgerdb.New(p.nodes[i].n.db, ledgerdb.Config{})
	var data []byte
	err := st.EachCoin(func(c ledger.Coin, _ ledger.CoinState) error {
		b, _ := c.Marshal()
		data = append(data, b...)
		if d, locked, _ := st.Lock(c.ID); locked {
			so, err := st.Locked(d)
			if err == nil && so != nil {
				enc, _ := so.Marshal()
				data = append(data, enc...)
			}
		}
		return nil
	})
	if err != nil || len(data) == 0 {
		t.Fatalf("validator %d ledger data: %v", i, err)
	}
	forms := [][]byte{id[:], []byte(id.String()), []byte(hex.EncodeToString(id[:])), []byte(id.Short())}
	var ledgerLines []byte
	for _, line := range strings.Split(p.logs[i].String(), "\n") {
		if strings.Contains(line, "component=ledger") {
			ledgerLines = append(ledgerLines, line...)
		}
	}
	if len(ledgerLines) == 0 {
		t.Fatalf("validator %d wrote no ledger log lines", i)
	}
	for _, f := range forms {
		if bytes.Contains(data, f) || bytes.Contains(ledgerLines, f) {
			t.Fatalf("validator %d's ledger data or logs hold the paying node's ID", i)
		}
	}
}

// TestValidatorNotInCommittee: --validator on a node whose vote key the
// genesis does not name refuses to start, saying why.
func TestValidatorNotInCommittee(t *testing.T) {
	p := makePayNet(t, 1, 1, 0)
	tn := p.nodes[1]
	_, err := Start(context.Background(), Config{Dir: tn.dir, Passphrase: bytes.Clone(testPass), Listen: tn.listen,
		Rand: rand.Reader, Roles: record.RoleRelay | record.RoleValidator})
	if !errors.Is(err, ErrNotInCommittee) {
		t.Fatalf("start: %v, want ErrNotInCommittee", err)
	}
	p.start(t, 1) // as a plain relay it starts
}
