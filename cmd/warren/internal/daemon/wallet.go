package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/service"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/messaging/ledger/wallet"
	"github.com/warrennet/warren/onion/circapi"
)

var (
	errNoLedger = errors.New("this network has no payments: its genesis names no validators")
	errNoWallet = errors.New("no wallet on this node: run warren wallet create (or wallet restore)")
)

// startWallet opens the wallet if there is one and re-sends, in the
// background, every journaled payment not yet settled (identical bytes).
func (n *Node) startWallet(ctx context.Context) error {
	if n.lnet == nil {
		return nil
	}
	var err error
	n.payer, err = service.NewClient(service.ClientConfig{Network: n.lnet.net, Committee: n.lnet.com,
		Rand: n.cfg.Rand, MaxDelay: n.cfg.Ledger.MaxDelay, AttemptTimeout: n.cfg.Ledger.AttemptTimeout, Attempts: n.cfg.Ledger.attempts(), Logger: n.ledgerLog()})
	if err != nil {
		return err
	}
	n.ledgerJobs = newGroup(context.Background())
	w, err := wallet.Open(ctx, n.walletConfig())
	if errors.Is(err, wallet.ErrNoWallet) {
		return nil
	}
	if err != nil {
		return err
	}
	n.setWallet(w)
	n.ledgerJobs.Go(n.resendLoop)
	n.ledgerJobs.Go(n.syncLoop)
	return nil
}

func (n *Node) walletConfig() wallet.Config {
	return wallet.Config{Network: n.lnet.net, Committee: n.lnet.com, Params: n.lnet.params,
		DB: n.db, Vault: n.vault, Rand: n.cfg.Rand, Now: n.cfg.Now, Logger: n.ledgerLog()}
}

func (n *Node) setWallet(w *wallet.Wallet) {
	n.walletMu.Lock()
	defer n.walletMu.Unlock()
	n.wallet = w
}

func (n *Node) currentWallet() *wallet.Wallet {
	n.walletMu.Lock()
	defer n.walletMu.Unlock()
	return n.wallet
}

// useWallet returns the open wallet, or why there is none.
func (n *Node) useWallet() (*wallet.Wallet, error) {
	if n.lnet == nil {
		return nil, errNoLedger
	}
	if w := n.currentWallet(); w != nil {
		return w, nil
	}
	return nil, errNoWallet
}

// resendLoop re-sends every journaled, unsettled payment (the identical
// signed bytes: identical orders never conflict) at once and then every
// ResendInterval, for as long as the wallet is open: a payment that found
// no quorum becomes final once enough validators are back.
func (n *Node) resendLoop(ctx context.Context) {
	w := n.currentWallet()
	for {
		for _, p := range w.Pending() {
			if !n.claim(p.Digest) {
				continue // WalletSend is sending it right now
			}
			res := n.pay(ctx, w, &p)
			n.release(p.Digest)
			n.ledgerLog().Info("re-sent a pending payment", "final", res.Final, "note", res.Note)
		}
		if !sleep(ctx, n.cfg.Ledger.resendInterval()) {
			return
		}
	}
}

// claim marks payment d as being sent; false if it already is.
func (n *Node) claim(d ledger.Digest) bool {
	n.walletMu.Lock()
	defer n.walletMu.Unlock()
	if n.sending[d] {
		return false
	}
	if n.sending == nil {
		n.sending = map[ledger.Digest]bool{}
	}
	n.sending[d] = true
	return true
}

func (n *Node) release(d ledger.Digest) {
	n.walletMu.Lock()
	defer n.walletMu.Unlock()
	delete(n.sending, d)
}

// WalletCreate implements api.Wallet.
func (n *Node) WalletCreate(ctx context.Context) (api.WalletCreated, error) {
	if n.lnet == nil {
		return api.WalletCreated{}, errNoLedger
	}
	n.walletOpMu.Lock()
	defer n.walletOpMu.Unlock()
	w, words, err := wallet.Create(ctx, n.walletConfig())
	if err != nil {
		return api.WalletCreated{}, err
	}
	coins, amount, err := n.adopt(ctx, w)
	return api.WalletCreated{Address: w.Address().String(), Words: words, GenesisCoins: coins, GenesisAmount: amount}, err
}

// WalletRestore implements api.Wallet.
func (n *Node) WalletRestore(ctx context.Context, words string) (api.WalletInfo, error) {
	if n.lnet == nil {
		return api.WalletInfo{}, errNoLedger
	}
	n.walletOpMu.Lock()
	defer n.walletOpMu.Unlock()
	w, err := wallet.Restore(ctx, n.walletConfig(), words)
	if err != nil {
		return api.WalletInfo{}, err
	}
	_, _, err = n.adopt(ctx, w)
	return api.WalletInfo{Address: w.Address().String()}, err
}

// adopt scans the genesis coins into a new wallet and makes it current.
func (n *Node) adopt(ctx context.Context, w *wallet.Wallet) (int, uint64, error) {
	found, err := w.AddGenesis(ctx, n.lnet.coins)
	if err != nil {
		w.Close()
		return 0, 0, err
	}
	n.setWallet(w)
	n.ledgerJobs.Go(n.resendLoop)
	n.ledgerJobs.Go(n.syncLoop)
	return found, w.Balance().Spendable, nil
}

// WalletAddress implements api.Wallet.
func (n *Node) WalletAddress() (api.WalletInfo, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.WalletInfo{}, err
	}
	return api.WalletInfo{Address: w.Address().String()}, nil
}

// WalletBalance implements api.Wallet.
func (n *Node) WalletBalance() (api.WalletBalance, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.WalletBalance{}, err
	}
	return balanceOf(w), nil
}

func balanceOf(w *wallet.Wallet) api.WalletBalance {
	b := w.Balance()
	return api.WalletBalance{Spendable: b.Spendable, Incoming: b.Incoming, Sending: b.Sending, Frozen: b.Frozen}
}

// WalletSend implements api.Wallet: journal, submit through a fresh
// circuit, settle, confirm.
func (n *Node) WalletSend(ctx context.Context, req api.PayRequest) (api.Payment, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.Payment{}, err
	}
	to, err := stealth.ParseAddressText(req.To)
	if err != nil {
		return api.Payment{}, err
	}
	fee := n.lnet.params.MinFee
	if req.Fee != nil {
		fee = *req.Fee
	}
	p, err := w.Send(ctx, to, req.Amount, fee)
	if err != nil {
		return api.Payment{}, err
	}
	n.claim(p.Digest) // new: nobody else holds it
	res := n.pay(ctx, w, p)
	n.release(p.Digest)
	res.Amount, res.Fee = req.Amount, fee
	if req.Notify != "" && res.Final {
		if err := n.notifyPayee(ctx, req.Notify, res.Certificate); err != nil {
			res.Note = fmt.Sprintf("final; telling %s failed: %v (warren wallet receipt gives the certificate)", req.Notify, err)
		} else {
			res.Notified = true
		}
	}
	return res, nil
}

// notifyPayee sends a final payment's certificate to a contact as an
// end-to-end message.
func (n *Node) notifyPayee(ctx context.Context, contact, cert64 string) error {
	if n.msgr == nil {
		return errNoMessenger
	}
	cert, err := base64.StdEncoding.DecodeString(cert64)
	if err != nil {
		return err
	}
	_, err = n.msgr.SendPayment(ctx, contact, cert)
	return err
}

// applyReceived is the messenger's OnPayment hook: a contact's payment
// certificate, verified against the committee and applied to the wallet.
func (n *Node) applyReceived(ctx context.Context, cert []byte) error {
	w, err := n.useWallet()
	if err != nil {
		return err
	}
	c, err := ledger.UnmarshalCertificate(cert)
	if err != nil {
		return err
	}
	return w.Apply(ctx, c)
}

// pay submits a journaled payment, settles it and spreads the
// certificate. It never fails outright: a payment not yet final stays in
// the journal and its Note says so.
func (n *Node) pay(ctx context.Context, w *wallet.Wallet, p *wallet.Payment) api.Payment {
	res := api.Payment{ID: hex.EncodeToString(p.Digest[:])}
	start := time.Now()
	d := ledgerDialer{n}
	votes, refusals, err := n.payer.Submit(ctx, d, n.lnet.relays, p.Signed)
	if err != nil {
		res.Note = fmt.Sprintf("not final (%v); the payment stays journaled and is re-sent with the same bytes every %s while the node runs", err, n.cfg.Ledger.resendInterval())
		return res
	}
	cert, err := w.Settle(ctx, p.Digest, votes, refusals)
	if err != nil {
		res.Note = fmt.Sprintf("not final: %v", err)
		return res
	}
	res.Final, res.FinalityMS = true, float64(time.Since(start).Microseconds())/1000
	for _, v := range cert.Votes {
		res.Signers = append(res.Signers, n.lnet.names[v.Validator])
	}
	if b, err := cert.Marshal(); err == nil {
		res.Certificate = base64.StdEncoding.EncodeToString(b)
	}
	if err := n.payer.Confirm(ctx, d, n.lnet.relays, cert); err != nil {
		res.Note = fmt.Sprintf("final; spreading the certificate to the validators failed (%v)", err)
		return res
	}
	res.Confirmed = true
	return res
}

// WalletHistory implements api.Wallet.
func (n *Node) WalletHistory() ([]api.WalletEntry, error) {
	w, err := n.useWallet()
	if err != nil {
		return nil, err
	}
	out := []api.WalletEntry{}
	for _, e := range w.History() {
		we := api.WalletEntry{Kind: "received", Time: e.Time, Amount: e.Amount}
		if e.Digest != (ledger.Digest{}) {
			we.ID = hex.EncodeToString(e.Digest[:])
		}
		if e.Kind == wallet.Sent {
			we.Kind, we.Fee, we.State = "sent", e.Fee, orderState(e.State)
		}
		out = append(out, we)
	}
	return out, nil
}

func orderState(s wallet.OrderState) string {
	switch s {
	case wallet.Certified:
		return "final"
	case wallet.Refused:
		return "refused"
	}
	return "pending"
}

// WalletReceipt implements api.Wallet.
func (n *Node) WalletReceipt(id string) (api.WalletReceipt, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.WalletReceipt{}, err
	}
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != ledger.IDSize {
		return api.WalletReceipt{}, errors.New("a payment ID is 64 hex digits (warren wallet history lists them)")
	}
	rc, err := w.Receipt(ledger.Digest(raw))
	if err != nil {
		return api.WalletReceipt{}, err
	}
	b, err := rc.Marshal()
	if err != nil {
		return api.WalletReceipt{}, err
	}
	out := api.WalletReceipt{ID: id, Receipt: base64.StdEncoding.EncodeToString(b)}
	if int(rc.Index) < len(rc.Cert.Order.Outputs) {
		out.Amount = rc.Cert.Order.Outputs[rc.Index].Amount
	}
	return out, nil
}

// WalletApply implements api.Wallet.
func (n *Node) WalletApply(ctx context.Context, cert string) (api.WalletBalance, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.WalletBalance{}, err
	}
	b, err := base64.StdEncoding.DecodeString(cert)
	if err != nil {
		return api.WalletBalance{}, errors.New("the certificate is not base64")
	}
	c, err := ledger.UnmarshalCertificate(b)
	if err != nil {
		return api.WalletBalance{}, err
	}
	if err := w.Apply(ctx, c); err != nil {
		return api.WalletBalance{}, err
	}
	return balanceOf(w), nil
}

// WalletStatus implements api.Wallet: it opens a stream to each
// validator's ledger service (each over its own fresh circuit purpose)
// and counts those that answer.
func (n *Node) WalletStatus(ctx context.Context) (api.LedgerStatus, error) {
	l := n.lnet
	if l == nil {
		return api.LedgerStatus{}, errNoLedger
	}
	st := api.LedgerStatus{Quorum: l.com.Quorum(), Validators: make([]api.ValidatorReach, l.com.N())}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Ledger.statusTimeout())
	defer cancel()
	done := make(chan int, l.com.N())
	for i := range l.com.N() {
		go func() { // bounded by ctx; each sends once
			st.Validators[i] = n.reach(ctx, i)
			done <- i
		}()
	}
	for range l.com.N() {
		if st.Validators[<-done].Reachable {
			st.Reachable++
		}
	}
	st.OK = st.Reachable >= st.Quorum
	return st, nil
}

// reach opens a stream to validator i's ledger service and closes it.
func (n *Node) reach(ctx context.Context, i int) api.ValidatorReach {
	r := api.ValidatorReach{Name: n.lnet.names[i]}
	var key [16]byte
	_, _ = rand.Read(key[:])
	start := time.Now()
	s, err := ledgerDialer{n}.Open(ctx, circapiPurpose("ledger-status", hex.EncodeToString(key[:])), n.lnet.relays[i], service.ServiceName)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	s.Close()
	r.Reachable, r.MS = true, float64(time.Since(start).Microseconds())/1000
	return r
}

func circapiPurpose(kind, key string) circapi.Purpose {
	return circapi.Purpose{Kind: kind, Key: key, Once: true}
}

// LedgerTuning overrides the payment client's defaults (tests use short
// ones). Zero fields mean the service package's defaults.
type LedgerTuning struct {
	// MaxDelay is the longest random pause before an attempt (-1: none).
	MaxDelay time.Duration
	// AttemptTimeout bounds one attempt (one circuit).
	AttemptTimeout time.Duration
	// CatchUpInterval is how often a validator reads its peers' feeds
	// (0: the service's default, 30 s).
	CatchUpInterval time.Duration
	// StatusTimeout bounds wallet status (default 60 s).
	StatusTimeout time.Duration
	// ResendInterval is how often pending payments are re-sent (default
	// 30 s).
	ResendInterval time.Duration
	// SyncInterval is how often the wallet scans the validators' feeds
	// for payments (default 10 minutes).
	SyncInterval time.Duration
	// Attempts is how many circuits one submission may try (default 8:
	// twice the service's default, since a down validator also fails the
	// circuits that pass over it until the circuit manager avoids it).
	Attempts int
}

func (t LedgerTuning) resendInterval() time.Duration {
	if t.ResendInterval > 0 {
		return t.ResendInterval
	}
	return 30 * time.Second
}

func (t LedgerTuning) syncInterval() time.Duration {
	if t.SyncInterval > 0 {
		return t.SyncInterval
	}
	return 10 * time.Minute
}

func (t LedgerTuning) attempts() int {
	if t.Attempts > 0 {
		return t.Attempts
	}
	return 8
}

func (t LedgerTuning) statusTimeout() time.Duration {
	if t.StatusTimeout > 0 {
		return t.StatusTimeout
	}
	return 60 * time.Second
}
