package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/messaging/ledger/service"
	"github.com/warrennet/warren/messaging/ledger/wallet"
)

// syncPages bounds one sync's pages per validator (each up to 255
// certificates); the next sync goes on from there.
const syncPages = 256

// WalletSync implements api.Wallet: it reads every validator's
// certificate feed (each over its own fresh circuit per page) from where
// the last sync stopped, and applies every certificate to the wallet,
// which keeps the payments to it (found with its view key) and ignores
// the rest. The feeds overlap; reading them all means one validator that
// lags or withholds cannot hide a payment.
func (n *Node) WalletSync(ctx context.Context) (api.WalletSynced, error) {
	w, err := n.useWallet()
	if err != nil {
		return api.WalletSynced{}, err
	}
	n.walletSyncMu.Lock() // one sync at a time: the cursors are shared
	defer n.walletSyncMu.Unlock()
	before := received(w)
	out := api.WalletSynced{Validators: make([]api.FeedRead, n.lnet.com.N())}
	done := make(chan struct{}, len(out.Validators))
	for i := range out.Validators {
		go func() { // bounded by ctx; each sends once
			out.Validators[i] = n.syncFrom(ctx, w, i)
			done <- struct{}{}
		}()
	}
	for range out.Validators {
		<-done
	}
	for _, r := range out.Validators {
		out.Scanned += r.Scanned
	}
	after := received(w)
	out.Found, out.FoundAmount = after.coins-before.coins, after.amount-before.amount
	out.Balance = balanceOf(w)
	return out, nil
}

// syncFrom reads validator i's feed into w.
func (n *Node) syncFrom(ctx context.Context, w *wallet.Wallet, i int) api.FeedRead {
	r := api.FeedRead{Name: n.lnet.names[i]}
	key := n.feedCursorKey(w, i)
	from, err := n.loadCursor(ctx, key)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	page := func(ctx context.Context, after uint64) (ledgerwire.Certs, error) {
		return n.payer.Feed(ctx, ledgerDialer{n}, n.lnet.relays[i], after)
	}
	apply := func(c *ledger.Certificate) error {
		err := w.Apply(ctx, c)
		if err != nil && ledger.VerifyCertificate(n.lnet.com, n.lnet.net, c) != nil {
			r.Bad++ // a validator serving forgeries: skipped
			return nil
		}
		return err
	}
	r.Position, r.Scanned, err = service.Follow(ctx, page, from, syncPages, apply)
	if err != nil {
		r.Error = err.Error()
	}
	if r.Position != from {
		if err := n.db.PutMeta(ctx, key, binary.BigEndian.AppendUint64(nil, r.Position)); err != nil && r.Error == "" {
			r.Error = err.Error()
		}
	}
	return r
}

// feedCursorKey names where syncs of w stopped reading validator i's
// feed: per wallet (a wallet restored from other words starts over).
func (n *Node) feedCursorKey(w *wallet.Wallet, i int) string {
	h := sha256.Sum256([]byte(w.Address().String()))
	return fmt.Sprintf("wallet_feed/%s/%d", hex.EncodeToString(h[:8]), i)
}

func (n *Node) loadCursor(ctx context.Context, key string) (uint64, error) {
	b, ok, err := n.db.GetMeta(ctx, key)
	if err != nil || !ok {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("daemon: corrupt feed position under %s", key)
	}
	return binary.BigEndian.Uint64(b), nil
}

// receivedTotals counts the coins a wallet ever received.
type receivedTotals struct {
	coins  int
	amount uint64
}

func received(w *wallet.Wallet) receivedTotals {
	var t receivedTotals
	for _, c := range w.Coins() {
		t.coins++
		t.amount += c.Amount
	}
	return t
}

// syncLoop syncs the wallet every SyncInterval (first after one
// interval), so that payments from people who are not contacts show up
// without a manual sync.
func (n *Node) syncLoop(ctx context.Context) {
	for sleep(ctx, n.cfg.Ledger.syncInterval()) {
		res, err := n.WalletSync(ctx)
		if err != nil {
			continue
		}
		if res.Found > 0 {
			n.ledgerLog().Info("wallet sync found payments", "coins", res.Found, "amount", res.FoundAmount)
		}
	}
}

// ledgerCursors keeps a validator's positions in its peers' feeds in the
// meta table.
type ledgerCursors struct{ n *Node }

func (c ledgerCursors) Load(i int) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.n.loadCursor(ctx, fmt.Sprintf("ledger_feed/%d", i))
}

func (c ledgerCursors) Save(i int, pos uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.n.db.PutMeta(ctx, fmt.Sprintf("ledger_feed/%d", i), binary.BigEndian.AppendUint64(nil, pos))
}
