package messenger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/messaging/ratchet"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/store"
)

// MsgID identifies a message: for texts, the random ID inside the
// envelope; for other outbox rows and for processed mailbox messages, the
// mailbox's ID of the envelope (a hash of its bytes).
type MsgID [16]byte

func (id MsgID) String() string { return hex.EncodeToString(id[:]) }

// Defaults for zero Config fields.
const (
	DefaultMailboxes   = 2
	DefaultInviteTTL   = 24 * time.Hour
	DefaultFetchWait   = 25 * time.Second
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultResendAfter = 10 * time.Minute
	DefaultGiveUp      = 7 * 24 * time.Hour
)

// Errors callers can branch on.
var (
	ErrNoContact     = errors.New("messenger: no such contact")
	ErrAmbiguous     = errors.New("messenger: more than one contact has that name")
	ErrNoMailboxes   = errors.New("messenger: no mailbox relays known yet")
	ErrInviteExpired = errors.New("messenger: the invitation has expired")
	ErrInviteUsed    = errors.New("messenger: the invitation was already used, withdrawn or expired at its mailbox")
	ErrNotActive     = errors.New("messenger: the contact has not accepted the invitation yet")
	ErrClosed        = errors.New("messenger: closed")
	ErrTooLong       = errors.New("messenger: message too long")
	ErrBadInvitation = errors.New("messenger: the invitation's mailbox returned something that is not an invitation")
	errNotYet        = errors.New("messenger: message for a contact that is not ready")
)

// Config configures a Messenger. DB, Vault, Dialer and Mailboxes are
// required; zero values of the others mean the defaults.
type Config struct {
	DB     *store.DB
	Vault  *store.Vault
	Dialer circapi.Dialer
	// Mailboxes lists the mailbox relays currently usable; the messenger
	// picks K of them, at random, for each new contact's queues.
	Mailboxes func() []identity.NodeID
	K         int
	Now       func() time.Time
	Rand      io.Reader
	Logger    *slog.Logger
	// OnPayment receives the certificate of a payment a contact sent (the
	// daemon's wallet applies it); nil drops it with an event saying so.
	OnPayment func(ctx context.Context, cert []byte) error

	InviteTTL   time.Duration
	FetchWait   time.Duration // how long one long-poll fetch waits
	MinBackoff  time.Duration // first retry after a failed deposit
	MaxBackoff  time.Duration
	ResendAfter time.Duration // re-deposit a sent message without receipt
	GiveUp      time.Duration // fail a message without receipt this old
}

func (c *Config) defaults() {
	setDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.K == 0 {
		c.K = DefaultMailboxes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	setDur(&c.InviteTTL, DefaultInviteTTL)
	setDur(&c.FetchWait, DefaultFetchWait)
	setDur(&c.MinBackoff, DefaultMinBackoff)
	setDur(&c.MaxBackoff, DefaultMaxBackoff)
	setDur(&c.ResendAfter, DefaultResendAfter)
	setDur(&c.GiveUp, DefaultGiveUp)
}

// Stats are counters since start.
type Stats struct {
	Received, Duplicates, Dropped, Deposits, DepositErrors, FetchErrors uint64
}

// Messenger is one user's private messaging: contacts, outbox, inbox,
// and the goroutines that deposit and fetch through circuits. Safe for
// concurrent use.
type Messenger struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	contacts map[ContactID]*contact
	locks    map[ContactID]*sync.Mutex  // serialise each contact's operations
	senders  map[ContactID]*senderState // a sender goroutine runs
	fetchers map[mailboxQueueKey]context.CancelFunc
	sticky   map[ContactID]int // mailbox index that last worked
	pending  map[ContactID][]*sendReq
	unsaved  map[int64]struct{} // outbox rows deposited, their new state not yet committed
	pruned   time.Time          // last removal of old seen rows

	events hub
	wake   chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	received, duplicates, dropped, deposits, depositErrs, fetchErrs atomic.Uint64
}

type mailboxQueueKey struct {
	relay identity.NodeID
	queue [16]byte
}

// New loads the contacts from the database. Start begins delivery.
func New(ctx context.Context, cfg Config) (*Messenger, error) {
	if cfg.DB == nil || cfg.Vault == nil || cfg.Dialer == nil || cfg.Mailboxes == nil {
		return nil, errors.New("messenger: Config needs DB, Vault, Dialer and Mailboxes")
	}
	cfg.defaults()
	m := &Messenger{
		cfg: cfg, log: cfg.Logger,
		contacts: map[ContactID]*contact{}, locks: map[ContactID]*sync.Mutex{},
		senders: map[ContactID]*senderState{}, fetchers: map[mailboxQueueKey]context.CancelFunc{},
		sticky: map[ContactID]int{}, pending: map[ContactID][]*sendReq{}, wake: make(chan struct{}, 1),
		unsaved: map[int64]struct{}{},
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Messenger) load(ctx context.Context) error {
	var rows []contactRow
	err := m.cfg.DB.Read(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = selectContacts(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		c, err := m.openContact(r)
		if err != nil {
			return err
		}
		m.contacts[c.ID] = c
		m.locks[c.ID] = new(sync.Mutex)
	}
	return nil
}

func (m *Messenger) openContact(r contactRow) (*contact, error) {
	pt, err := m.cfg.Vault.OpenRow("contact/"+r.ID.String(), r.Sealed)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return unmarshalContact(r.ID, r.Created, pt)
}

// Start launches the delivery loop and a fetcher for every queue of every
// contact.
func (m *Messenger) Start() {
	m.mu.Lock()
	for _, c := range m.contacts {
		m.startFetchersLocked(c)
	}
	m.mu.Unlock()
	m.wg.Add(1)
	go m.deliverLoop()
	m.kick()
}

// Close stops every goroutine and waits for them. Idempotent.
func (m *Messenger) Close() {
	m.once.Do(func() {
		m.cancel()
		m.wg.Wait()
		m.flushRiders()
		m.events.close()
		m.wipeSessions()
	})
}

// wipeSessions zeroes the live ratchet sessions and the contacts' encoded
// sessions and invitation keys (the current ones: encodings a contact
// replaced earlier are garbage the collector frees without zeroing), each
// under its contact's lock: a Send still running finishes first, a later
// one fails on the closed session.
func (m *Messenger) wipeSessions() {
	m.mu.Lock()
	ids := make([]ContactID, 0, len(m.contacts))
	for id := range m.contacts {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		c, unlock, err := m.lockContact(id)
		if err != nil {
			continue
		}
		if c.sess != nil {
			c.sess.Close()
		}
		clear(c.Session)
		clear(c.InviteKeys)
		unlock()
	}
}

// Stats returns the counters.
func (m *Messenger) Stats() Stats {
	return Stats{
		Received: m.received.Load(), Duplicates: m.duplicates.Load(), Dropped: m.dropped.Load(),
		Deposits: m.deposits.Load(), DepositErrors: m.depositErrs.Load(), FetchErrors: m.fetchErrs.Load(),
	}
}

func (m *Messenger) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Messenger) randID() (id [16]byte, err error) {
	_, err = io.ReadFull(m.cfg.Rand, id[:])
	return id, err
}

// lockContact returns the contact's current state with its operation lock
// held; unlock releases it.
func (m *Messenger) lockContact(id ContactID) (c *contact, unlock func(), err error) {
	m.mu.Lock()
	l := m.locks[id]
	m.mu.Unlock()
	if l == nil {
		return nil, nil, ErrNoContact
	}
	l.Lock()
	m.mu.Lock()
	c = m.contacts[id]
	m.mu.Unlock()
	if c == nil {
		l.Unlock()
		return nil, nil, ErrNoContact
	}
	return c, l.Unlock, nil
}

// commitContact swaps in a contact's new state after its transaction
// committed; the old state's session, if replaced, is wiped.
func (m *Messenger) commitContact(c *contact) {
	m.mu.Lock()
	old := m.contacts[c.ID]
	m.contacts[c.ID] = c
	m.mu.Unlock()
	if old != nil && old.sess != nil && old.sess != c.sess {
		old.sess.Close()
	}
}

// workingSession returns a copy of c's ratchet session to work on: a
// clone of the one kept in memory, or, the first time, the stored state
// unmarshalled (which recomputes a public key: the reason to keep it).
func (m *Messenger) workingSession(c *contact) (*ratchet.Session, error) {
	if c.sess != nil {
		return c.sess.Clone(), nil
	}
	return ratchet.UnmarshalSession(c.Session, m.cfg.Rand)
}

func (m *Messenger) sealContact(c *contact) ([]byte, error) {
	pt, err := c.marshal()
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return m.cfg.Vault.SealRow(c.label(), pt)
}
