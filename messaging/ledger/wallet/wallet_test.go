package wallet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// setup: wallets a and b, 4 validators, genesis coins ga to a and gb to b.
func setup(t *testing.T, ga, gb []uint64) (*testnet, *user, *user) {
	com, keys := committee(t, 4)
	a, b := newUser(t, com, 1, ""), newUser(t, com, 2, "")
	var addrs []stealth.Address
	for range ga {
		addrs = append(addrs, a.w.Address())
	}
	for range gb {
		addrs = append(addrs, b.w.Address())
	}
	n := newTestnet(t, com, keys, genesisTo(t, addrs, append(append([]uint64(nil), ga...), gb...)))
	for _, u := range []*user{a, b} {
		if _, err := u.w.AddGenesis(ctx, n.genesis); err != nil {
			t.Fatal(err)
		}
	}
	return n, a, b
}

func TestScanFindsOwnOutputsOnly(t *testing.T) {
	n, a, b := setup(t, []uint64{100, 200, 300}, []uint64{1000})
	if got := a.w.Balance(); got != (Balance{Spendable: 600}) {
		t.Fatalf("a: %+v", got)
	}
	if got := b.w.Balance(); got != (Balance{Spendable: 1000}) {
		t.Fatalf("b: %+v", got)
	}
	for _, c := range a.w.Coins() {
		if c.ID == n.genesis[3].ID {
			t.Fatal("a found b's coin")
		}
	}
	// Scanning again finds nothing new.
	if k, err := a.w.AddGenesis(ctx, n.genesis); err != nil || k != 0 {
		t.Fatalf("rescan: %d, %v", k, err)
	}
	// A stranger finds nothing.
	c := newUser(t, n.com, 3, "")
	if k, _ := c.w.AddGenesis(ctx, n.genesis); k != 0 {
		t.Fatalf("stranger found %d coins", k)
	}
}

func TestPayEndToEnd(t *testing.T) {
	n, a, b := setup(t, []uint64{100, 250}, []uint64{40})
	p, err := a.w.Send(ctx, b.w.Address(), 120, 3)
	if err != nil {
		t.Fatal(err)
	}
	// 250 pays 120 + 3, change 127 comes back.
	if got := a.w.Balance(); got != (Balance{Spendable: 100, Sending: 250, Incoming: 127}) {
		t.Fatalf("a while sending: %+v", got)
	}
	votes, refusals := n.submit(p.Signed)
	if len(refusals) != 0 {
		t.Fatal("refused")
	}
	cert, err := a.w.Settle(ctx, p.Digest, votes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyCertificate(n.com, testNet, cert); err != nil {
		t.Fatal(err)
	}
	n.certify(cert)
	if err := b.w.Apply(ctx, cert); err != nil {
		t.Fatal(err)
	}
	if err := b.w.Apply(ctx, cert); err != nil { // idempotent
		t.Fatal(err)
	}
	if got := a.w.Balance(); got != (Balance{Spendable: 227}) {
		t.Fatalf("a after: %+v", got)
	}
	if got := b.w.Balance(); got != (Balance{Spendable: 160}) {
		t.Fatalf("b after: %+v", got)
	}
	if len(a.w.Pending()) != 0 {
		t.Fatal("still pending")
	}
	n.checkSupply()
	// Wallets: everything but the fee is held.
	if a.w.Balance().Spendable+b.w.Balance().Spendable+cert.Order.Fee != n.supply {
		t.Fatal("wallets do not conserve value")
	}
	// History.
	h := a.w.History()
	last := h[len(h)-1]
	if last.Kind != Sent || last.Amount != 120 || last.Fee != 3 || last.State != Certified {
		t.Fatalf("a history: %+v", h)
	}
	hb := b.w.History()
	if l := hb[len(hb)-1]; l.Kind != Received || l.Amount != 120 || l.Digest != p.Digest {
		t.Fatalf("b history: %+v", hb)
	}
	// The state survives a restart.
	a.reopen()
	b.reopen()
	if a.w.Balance() != (Balance{Spendable: 227}) || b.w.Balance() != (Balance{Spendable: 160}) {
		t.Fatalf("after restart: %+v %+v", a.w.Balance(), b.w.Balance())
	}
	// b spends what it received (derived spend key works).
	p2, err := b.w.Send(ctx, a.w.Address(), 140, 1)
	if err != nil {
		t.Fatal(err)
	}
	votes, _ = n.submit(p2.Signed)
	cert2, err := b.w.Settle(ctx, p2.Digest, votes, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.certify(cert2)
	if err := a.w.Apply(ctx, cert2); err != nil {
		t.Fatal(err)
	}
	if a.w.Balance().Spendable != 367 || b.w.Balance().Spendable != 19 {
		t.Fatalf("after second payment: %+v %+v", a.w.Balance(), b.w.Balance())
	}
	n.checkSupply()
}

func TestSendErrors(t *testing.T) {
	_, a, b := setup(t, []uint64{100, 105}, nil)
	for _, tc := range []struct {
		amount, fee uint64
		err         error
	}{
		{9, 1, ledger.ErrDust},
		{10, 0, ledger.ErrFeeTooLow},
		{205, 1, ErrInsufficient},
		{^uint64(0), 1, ErrInsufficient},
		{203, 1, ErrDustChange},
	} {
		_, err := a.w.Send(ctx, b.w.Address(), tc.amount, tc.fee)
		wantErr(t, err, tc.err)
	}
	_, err := a.w.Send(ctx, stealth.Address{}, 10, 1)
	wantErr(t, err, stealth.ErrBadAddress)
	// Exact amount: both coins, no change.
	p, err := a.w.Send(ctx, b.w.Address(), 204, 1)
	if err != nil {
		t.Fatal(err)
	}
	so, _ := ledger.UnmarshalSignedOrder(p.Signed)
	if len(so.Outputs) != 1 || len(so.Inputs) != 2 {
		t.Fatalf("order has %d inputs, %d outputs", len(so.Inputs), len(so.Outputs))
	}
	if got := a.w.Balance(); got != (Balance{Sending: 205}) {
		t.Fatalf("%+v", got)
	}
	// Coins of a pending order are not chosen again.
	_, err = a.w.Send(ctx, b.w.Address(), 10, 1)
	wantErr(t, err, ErrInsufficient)
}

func TestCrashMidSendResendsIdenticalBytes(t *testing.T) {
	n, a, b := setup(t, []uint64{500}, nil)
	p, err := a.w.Send(ctx, b.w.Address(), 200, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Only validator 0 received it before the crash.
	n.submit(p.Signed, 0)
	a.reopen()
	pend := a.w.Pending()
	if len(pend) != 1 || pend[0].Digest != p.Digest || !bytes.Equal(pend[0].Signed, p.Signed) {
		t.Fatal("the journaled order did not survive the restart byte for byte")
	}
	if got := a.w.Balance(); got != (Balance{Sending: 500, Incoming: 298}) {
		t.Fatalf("after restart: %+v", got)
	}
	votes, refusals := n.submit(pend[0].Signed) // validator 0 again: same vote
	if len(refusals) != 0 {
		t.Fatal("identical resend refused")
	}
	cert, err := a.w.Settle(ctx, p.Digest, votes, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.certify(cert)
	if got := a.w.Balance(); got != (Balance{Spendable: 298}) {
		t.Fatalf("after settle: %+v", got)
	}
	n.checkSupply()
}

func TestSendFailsCleanlyWhenDiskFails(t *testing.T) {
	_, a, b := setup(t, []uint64{500}, nil)
	a.db.Close()
	if _, err := a.w.Send(ctx, b.w.Address(), 200, 2); err == nil {
		t.Fatal("Send succeeded without its journal")
	}
	if got := a.w.Balance(); got != (Balance{Spendable: 500}) || len(a.w.Pending()) != 0 {
		t.Fatalf("failed send changed the wallet: %+v", got)
	}
}

func TestNoQuorumYet(t *testing.T) {
	n, a, b := setup(t, []uint64{500}, nil)
	p, _ := a.w.Send(ctx, b.w.Address(), 200, 2)
	votes, _ := n.submit(p.Signed, 0, 1) // q = 3
	_, err := a.w.Settle(ctx, p.Digest, votes, nil)
	wantErr(t, err, ErrNoQuorum)
	if a.w.Balance().Sending != 500 {
		t.Fatal("not sending any more")
	}
	_, err = a.w.Settle(ctx, ledger.Digest{1}, votes, nil)
	wantErr(t, err, ErrUnknownOrder)
}

// Two copies of one wallet spend the same coin at once, split 2–2 over
// the validators: no certificate can form and both show the coin frozen.
func TestEquivocationFreezes(t *testing.T) {
	n, a, b := setup(t, []uint64{1000}, nil)
	phrase := strings.Join(SeedWords(seedOf(t, a)), " ")
	a2 := newUser(t, n.com, 9, phrase)
	if _, err := a2.w.AddGenesis(ctx, n.genesis); err != nil {
		t.Fatal(err)
	}
	c := newUser(t, n.com, 4, "")
	p1, err := a.w.Send(ctx, b.w.Address(), 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a2.w.Send(ctx, c.w.Address(), 400, 1)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := n.submit(p1.Signed, 0, 1)
	v2, _ := n.submit(p2.Signed, 2, 3)
	_, r1 := n.submit(p1.Signed, 2, 3)
	_, r2 := n.submit(p2.Signed, 0, 1)
	if len(r1) != 2 || len(r2) != 2 {
		t.Fatalf("refusals: %d, %d", len(r1), len(r2))
	}
	// One refusal is not enough (f = 1): a certificate might still form.
	_, err = a.w.Settle(ctx, p1.Digest, v1, r1[:1])
	wantErr(t, err, ErrNoQuorum)
	// A refusal repeated is counted once.
	_, err = a.w.Settle(ctx, p1.Digest, v1, []*ledger.Refusal{r1[0], r1[0]})
	wantErr(t, err, ErrNoQuorum)
	_, err = a.w.Settle(ctx, p1.Digest, v1, r1)
	wantErr(t, err, ErrRefused)
	_, err = a2.w.Settle(ctx, p2.Digest, v2, r2)
	wantErr(t, err, ErrRefused)
	for _, u := range []*user{a, a2} {
		if got := u.w.Balance(); got != (Balance{Frozen: 1000}) {
			t.Fatalf("balance %+v, want all frozen", got)
		}
		coins := u.w.Coins()
		if len(coins) != 1 || coins[0].State != Frozen {
			t.Fatalf("coins %+v", coins)
		}
		u.reopen()
		if got := u.w.Balance(); got != (Balance{Frozen: 1000}) {
			t.Fatalf("after restart %+v", got)
		}
		if len(u.w.Pending()) != 0 {
			t.Fatal("a refused order is still pending")
		}
	}
	n.checkSupply()
}

// A 3–1 split: one copy's order is certified; applying that certificate
// to the other copy spends the coin there and refuses its order.
func TestConflictingCertificateRefusesOwnOrder(t *testing.T) {
	n, a, b := setup(t, []uint64{1000}, nil)
	a2 := newUser(t, n.com, 9, strings.Join(SeedWords(seedOf(t, a)), " "))
	a2.w.AddGenesis(ctx, n.genesis)
	p1, _ := a.w.Send(ctx, b.w.Address(), 300, 1)
	p2, _ := a2.w.Send(ctx, b.w.Address(), 400, 1)
	v1, _ := n.submit(p1.Signed, 0, 1, 2)
	n.submit(p2.Signed, 3)
	cert, err := a.w.Settle(ctx, p1.Digest, v1, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.certify(cert)
	if err := a2.w.Apply(ctx, cert); err != nil {
		t.Fatal(err)
	}
	if got := a2.w.Balance(); got != (Balance{Spendable: 699}) {
		t.Fatalf("copy: %+v", got)
	}
	if len(a2.w.Pending()) != 0 {
		t.Fatal("conflicting order still pending")
	}
}

// seedOf reads the wallet's seed from its vault.
func seedOf(t *testing.T, u *user) *[32]byte {
	t.Helper()
	b, ok, err := u.vault.GetSecret(ctx, seedSecret)
	if err != nil || !ok {
		t.Fatal(err)
	}
	return (*[32]byte)(b)
}

func TestOpenWithoutWalletAndCreateTwice(t *testing.T) {
	com, _ := committee(t, 4)
	u := newUser(t, com, 1, "")
	if _, _, err := Create(ctx, u.cfg); err != ErrWalletExists {
		t.Fatalf("second Create: %v", err)
	}
	db, v := openStore(t, t.TempDir()+"/s", true)
	_, err := Open(ctx, Config{Network: testNet, Committee: com, DB: db, Vault: v})
	wantErr(t, err, ErrNoWallet)
	_, err = Restore(ctx, Config{Network: testNet, Committee: com, DB: db, Vault: v}, "abandon art")
	wantErr(t, err, ErrWordCount)
	u.w.Close()
	u.w.Close()
	if _, err := u.w.Send(ctx, u.w.Address(), 10, 1); err != ErrClosed {
		t.Fatalf("Send after Close: %v", err)
	}
}
