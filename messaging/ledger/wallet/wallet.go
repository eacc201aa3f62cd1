package wallet

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
	"github.com/warrennet/warren/store"
)

// Config configures a Wallet. Create, Restore and Open do not modify it.
type Config struct {
	Network   ledger.NetworkID
	Committee *ledger.Committee // the pinned committee (from the genesis)
	Params    ledger.Params     // fee and dust minimums (from the genesis)
	DB        *store.DB
	Vault     *store.Vault // unlocked; seals the seed and every row
	// Rand supplies the seed (Create), ephemeral secrets and row IDs;
	// nil = crypto/rand.Reader.
	Rand io.Reader
	// Now stamps journal entries and found coins; nil = time.Now.
	Now    func() time.Time
	Logger *slog.Logger // nil discards; nothing sensitive above Debug
}

// Wallet is one user's wallet over its database. Safe for concurrent
// use: every method takes one mutex, so payments are built one at a time
// (two concurrent Sends never pick the same coin). Close zeroes the keys;
// methods then return ErrClosed.
type Wallet struct {
	cfg  Config
	log  *slog.Logger
	mu   sync.Mutex
	keys *stealth.Keys // nil after Close
	st   *state
}

func (c *Config) defaults() (Config, error) {
	cc := *c
	if cc.Committee == nil || cc.DB == nil || cc.Vault == nil {
		return cc, errors.New("wallet: Config needs Committee, DB and Vault")
	}
	if cc.Rand == nil {
		cc.Rand = rand.Reader
	}
	if cc.Now == nil {
		cc.Now = time.Now
	}
	if cc.Logger == nil {
		cc.Logger = slog.New(slog.DiscardHandler)
	}
	return cc, nil
}

// Create makes a new wallet: a fresh seed from cfg.Rand, sealed in the
// vault. It returns the seed words, which the user must write down: they
// are the only backup of the keys (the journal and coins can be
// rebuilt from the certificate feed, the seed cannot).
func Create(ctx context.Context, cfg Config) (*Wallet, []string, error) {
	cc, err := cfg.defaults()
	if err != nil {
		return nil, nil, err
	}
	var seed [stealth.SeedSize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(cc.Rand, seed[:]); err != nil {
		return nil, nil, err
	}
	w, err := create(ctx, cc, &seed)
	if err != nil {
		return nil, nil, err
	}
	return w, SeedWords(&seed), nil
}

// Restore makes a wallet from seed words (ParseSeedWords). It starts
// empty: apply the genesis and the certificate feed to find its coins.
func Restore(ctx context.Context, cfg Config, words string) (*Wallet, error) {
	cc, err := cfg.defaults()
	if err != nil {
		return nil, err
	}
	seed, err := ParseSeedWords(words)
	defer clear(seed[:])
	if err != nil {
		return nil, err
	}
	return create(ctx, cc, &seed)
}

func create(ctx context.Context, cfg Config, seed *[stealth.SeedSize]byte) (*Wallet, error) {
	if _, ok, err := cfg.Vault.GetSecret(ctx, seedSecret); err != nil || ok {
		return nil, cmpErr(err, ErrWalletExists)
	}
	if err := cfg.Vault.PutSecret(ctx, seedSecret, seed[:]); err != nil {
		return nil, err
	}
	return &Wallet{cfg: cfg, log: cfg.Logger, keys: stealth.FromSeed(seed), st: newState(cfg.Network)}, nil
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Open opens the wallet kept in cfg.DB: the seed from the vault, then
// coins, journal and certificates. ErrNoWallet if there is none.
func Open(ctx context.Context, cfg Config) (*Wallet, error) {
	cc, err := cfg.defaults()
	if err != nil {
		return nil, err
	}
	seed, ok, err := cc.Vault.GetSecret(ctx, seedSecret)
	defer clear(seed)
	if err != nil || !ok {
		return nil, cmpErr(err, ErrNoWallet)
	}
	if len(seed) != stealth.SeedSize {
		return nil, ErrCorruptRecord
	}
	w := &Wallet{cfg: cc, log: cc.Logger, keys: stealth.FromSeed((*[stealth.SeedSize]byte)(seed)), st: newState(cc.Network)}
	if err := w.load(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *Wallet) load(ctx context.Context) error {
	if err := loadCoins(ctx, w.cfg.DB, w.cfg.Vault, w.st); err != nil {
		return err
	}
	if err := loadCerts(ctx, w.cfg.DB, w.cfg.Vault, w.st); err != nil {
		return err
	}
	return w.loadOrders(ctx)
}

// loadOrders reads the journal and rescans each order for this wallet's
// outputs.
func (w *Wallet) loadOrders(ctx context.Context) error {
	rows, err := readRows(ctx, w.cfg.DB, `SELECT id, state, created, sealed FROM wallet_order ORDER BY n`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		pt, err := open(w.cfg.Vault, tOrder, r)
		if err != nil {
			return err
		}
		rec, so, err := decodeJournalRecord(pt)
		if err != nil || r.flag < int(Pending) || r.flag > int(Refused) {
			return fmt.Errorf("%w: journal", ErrCorruptRecord)
		}
		j := &journaled{row: r.id, rec: *rec, so: so, d: so.Digest(w.cfg.Network),
			state: OrderState(r.flag), created: r.at, seq: w.st.nextSeq()}
		j.mine = w.scanOrder(j.d, &so.Order, r.at)
		w.st.orders[j.d] = j
	}
	return nil
}

// Close zeroes the keys. Idempotent. It closes neither DB nor Vault.
func (w *Wallet) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys != nil {
		w.keys.Close()
		w.keys = nil
	}
}

// lock takes the mutex and fails if the wallet is closed; the caller
// unlocks.
func (w *Wallet) lock() error {
	w.mu.Lock()
	if w.keys == nil {
		w.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// Address returns the wallet's public address (zero after Close).
func (w *Wallet) Address() stealth.Address {
	if w.lock() != nil {
		return stealth.Address{}
	}
	defer w.mu.Unlock()
	return w.keys.Address()
}

// Balance returns the sums per coin state.
func (w *Wallet) Balance() Balance {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.balance()
}

// Coins lists the wallet's coins (spent ones included) with their states.
func (w *Wallet) Coins() []OwnedCoin {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.list()
}

// History lists payments sent and coins received, oldest first.
func (w *Wallet) History() []Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.history()
}

// Payment is a journaled signed order, ready to (re)send: Signed is its
// exact encoding, identical on every resend (also after a restart).
type Payment struct {
	Digest ledger.Digest
	Signed []byte
}

// Pending returns the journaled orders not yet settled, oldest first: a
// restarted wallet re-sends exactly these bytes.
func (w *Wallet) Pending() []Payment {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Payment
	for _, j := range w.st.pending() {
		out = append(out, Payment{Digest: j.d, Signed: append([]byte(nil), j.rec.Signed...)})
	}
	return out
}

// commitLocked writes ch in one durable transaction and then applies it
// to memory; on error memory is unchanged.
func (w *Wallet) commitLocked(ctx context.Context, ch *change) error {
	err := w.cfg.DB.Write(ctx, func(tx *sql.Tx) error { return ch.write(ctx, tx, w.cfg.Vault) })
	if err != nil {
		return err
	}
	ch.applyTo(w.st)
	return nil
}
