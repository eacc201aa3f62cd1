package wallet

import (
	"context"
	"errors"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// ErrRefused reports an order that can no longer be certified: its
// inputs are frozen.
var ErrRefused = errors.New("wallet: order refused by more than f validators; its coins are frozen")

// newOwned wraps a coin found by scanning.
func (w *Wallet) newOwned(c ledger.Coin, index uint32, origin ledger.Digest, at time.Time) (*owned, error) {
	row, err := newRowID(w.cfg.Rand)
	if err != nil {
		return nil, err
	}
	return &owned{OwnedCoin: OwnedCoin{Coin: c, Index: index, Origin: origin, State: Spendable, Found: at}, row: row}, nil
}

// AddGenesis scans the network's genesis coins (in genesis order: the
// stealth index of genesis coin i is i) and keeps this wallet's. It
// returns how many new coins it found. The caller must take coins from
// the pinned genesis: they are not certified.
func (w *Wallet) AddGenesis(ctx context.Context, coins []ledger.Coin) (int, error) {
	if err := w.lock(); err != nil {
		return 0, err
	}
	defer w.mu.Unlock()
	ch := &change{}
	now := w.cfg.Now()
	for i, c := range coins {
		if _, known := w.st.coins[c.ID]; known || !w.keys.View().Owns(c.R, uint32(i), c.Owner, c.ViewTag) {
			continue
		}
		o, err := w.newOwned(c, uint32(i), ledger.Digest{}, now)
		if err != nil {
			return 0, err
		}
		ch.coins = append(ch.coins, o)
	}
	if ch.empty() {
		return 0, nil
	}
	return len(ch.coins), w.commitLocked(ctx, ch)
}

// Send builds a payment of amount to `to` paying fee, signs it with the
// inputs' one-time keys and journals it durably before returning it. The
// caller submits Payment.Signed (and re-sends the identical bytes on a
// timeout, or after a restart from Pending), then calls Settle. Coins
// are chosen by the policy of selectCoins; the change, if any, goes back
// to this wallet under a fresh one-time key.
func (w *Wallet) Send(ctx context.Context, to stealth.Address, amount, fee uint64) (*Payment, error) {
	if amount < max(w.cfg.Params.Dust, 1) {
		return nil, ledger.ErrDust
	}
	if fee < w.cfg.Params.MinFee {
		return nil, ledger.ErrFeeTooLow
	}
	need := amount + fee
	if need < amount {
		return nil, ErrInsufficient
	}
	if err := w.lock(); err != nil {
		return nil, err
	}
	defer w.mu.Unlock()
	j, err := w.draftLocked(to, amount, fee, need)
	if err != nil {
		return nil, err
	}
	if err := w.commitLocked(ctx, &change{order: j}); err != nil {
		return nil, err
	}
	return &Payment{Digest: j.d, Signed: append([]byte(nil), j.rec.Signed...)}, nil
}

// draftLocked selects, builds and signs; it changes nothing.
func (w *Wallet) draftLocked(to stealth.Address, amount, fee, need uint64) (*journaled, error) {
	sel, change, err := selectCoins(w.st.spendable(), need, w.cfg.Params.Dust)
	if err != nil {
		return nil, err
	}
	dr, err := buildOrder(w.cfg.Rand, w.keys.Address(), to, amount, fee, change, sel)
	if err != nil {
		return nil, err
	}
	so, err := dr.sign(w.cfg.Network, w.keys)
	if err != nil {
		return nil, err
	}
	enc, err := so.Marshal()
	if err != nil {
		return nil, err
	}
	row, err := newRowID(w.cfg.Rand)
	if err != nil {
		return nil, err
	}
	now := w.cfg.Now()
	d := so.Digest(w.cfg.Network)
	return &journaled{row: row, so: so, d: d, state: Pending, created: now,
		rec:  journalRecord{Signed: enc, To: to, PayIndex: dr.payIndex, R: dr.r},
		mine: w.scanOrder(d, &so.Order, now)}, nil
}

// scanOrder returns the outputs of order d that pay this wallet, as
// Incoming coins.
func (w *Wallet) scanOrder(d ledger.Digest, o *ledger.Order, at time.Time) []OwnedCoin {
	var mine []OwnedCoin
	for i, out := range o.Outputs {
		if w.keys.View().Owns(out.R, uint32(i), out.Owner, out.ViewTag) {
			mine = append(mine, OwnedCoin{Coin: ledger.Coin{ID: ledger.OutputID(d, i), Output: out},
				Index: uint32(i), Origin: d, State: Incoming, Found: at})
		}
	}
	return mine
}

// Settle ends a round of submission of the journaled order d with the
// votes and refusals collected. With a quorum of valid votes it assembles
// the certificate, verifies it offline, applies it and returns it. With
// verified refusals from more than f distinct validators no certificate
// can form: the order becomes Refused, its inputs Frozen (ErrRefused).
// Otherwise ErrNoQuorum: re-send the same bytes later. Refusals are not
// signed by validators, so Frozen is the wallet's best judgement: a
// certificate for the order applied later (Apply) still wins.
func (w *Wallet) Settle(ctx context.Context, d ledger.Digest, votes []*ledger.Vote, refusals []*ledger.Refusal) (*ledger.Certificate, error) {
	if err := w.lock(); err != nil {
		return nil, err
	}
	defer w.mu.Unlock()
	j, ok := w.st.orders[d]
	if !ok {
		return nil, ErrUnknownOrder
	}
	if cert, err := ledger.AssembleCertificate(w.cfg.Committee, w.cfg.Network, &j.so.Order, votes); err == nil {
		return cert, w.applyLocked(ctx, cert, d)
	}
	if j.state == Refused {
		return nil, ErrRefused
	}
	if w.refusers(j, refusals) <= w.cfg.Committee.N()-w.cfg.Committee.Quorum() {
		return nil, ErrNoQuorum
	}
	if j.state == Pending {
		if err := w.commitLocked(ctx, &change{states: map[*journaled]OrderState{j: Refused}}); err != nil {
			return nil, err
		}
	}
	return nil, ErrRefused
}

// refusers counts the distinct committee members whose refusal of j
// carries valid evidence: a different order signed by the owner of one
// of j's inputs (a coin of this wallet, so its owner key is known).
func (w *Wallet) refusers(j *journaled, refusals []*ledger.Refusal) int {
	seen := map[uint8]bool{}
	for _, rf := range refusals {
		if rf == nil || rf.Refused != j.d || int(rf.Validator) >= w.cfg.Committee.N() || seen[rf.Validator] {
			continue
		}
		c, ok := w.st.coins[rf.Input]
		if !ok || !inputOf(j, rf.Input) || rf.VerifyEvidence(w.cfg.Network, c.Owner) != nil {
			continue
		}
		seen[rf.Validator] = true
	}
	return len(seen)
}

func inputOf(j *journaled, id ledger.CoinID) bool {
	for _, in := range j.so.Inputs {
		if in == id {
			return true
		}
	}
	return false
}

// Apply verifies cert offline against the pinned committee and applies
// it: this wallet's inputs become spent, outputs to it (found by
// scanning with the view key) spendable, its own order certified, and
// any other pending order sharing an input refused (its other inputs are
// frozen). Idempotent; a certificate that concerns nothing of this
// wallet is verified and ignored.
func (w *Wallet) Apply(ctx context.Context, cert *ledger.Certificate) error {
	if err := ledger.VerifyCertificate(w.cfg.Committee, w.cfg.Network, cert); err != nil {
		return err
	}
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return w.applyLocked(ctx, cert, cert.Order.Digest(w.cfg.Network))
}

// applyLocked applies a verified certificate with digest d.
func (w *Wallet) applyLocked(ctx context.Context, cert *ledger.Certificate, d ledger.Digest) error {
	if _, done := w.st.certs[d]; done {
		return nil
	}
	ch, err := w.planApply(cert, d)
	if err != nil || ch.empty() {
		return err
	}
	row, err := newRowID(w.cfg.Rand)
	if err != nil {
		return err
	}
	ch.cert = &applied{row: row, cert: cert, at: w.cfg.Now()}
	return w.commitLocked(ctx, ch)
}

// planApply computes what cert changes for this wallet.
func (w *Wallet) planApply(cert *ledger.Certificate, d ledger.Digest) (*change, error) {
	ch := &change{states: map[*journaled]OrderState{}}
	spent := map[ledger.CoinID]bool{}
	for _, id := range cert.Order.Inputs {
		spent[id] = true
		if c, ok := w.st.coins[id]; ok && !c.spent {
			ch.spent = append(ch.spent, c)
		}
	}
	now := w.cfg.Now()
	for _, oc := range w.scanOrder(d, &cert.Order, now) {
		if _, known := w.st.coins[oc.ID]; known {
			continue
		}
		o, err := w.newOwned(oc.Coin, oc.Index, d, now)
		if err != nil {
			return nil, err
		}
		ch.coins = append(ch.coins, o)
	}
	for _, j := range w.st.orders {
		switch {
		case j.d == d && j.state != Certified:
			ch.states[j] = Certified
		case j.d != d && j.state == Pending && sharesInput(j, spent):
			ch.states[j] = Refused
		}
	}
	if len(ch.states) == 0 {
		ch.states = nil
	}
	return ch, nil
}

func sharesInput(j *journaled, spent map[ledger.CoinID]bool) bool {
	for _, in := range j.so.Inputs {
		if spent[in] {
			return true
		}
	}
	return false
}
