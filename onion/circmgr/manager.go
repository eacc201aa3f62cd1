package circmgr

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/onion/circuit"
	"github.com/warrennet/warren/overlay/identity"
)

// Relay is a candidate relay: a hop built from a verified peer record.
type Relay = circuit.Hop

// Directory lists the relays a client may use (verified, unexpired
// records with the relay role).
type Directory interface {
	Relays() []Relay
}

// GuardStore keeps the chosen guards across restarts.
type GuardStore interface {
	LoadGuards(ctx context.Context) ([]identity.NodeID, error)
	SaveGuards(ctx context.Context, ids []identity.NodeID) error
}

// Purpose isolates circuits: two requests share a circuit only if their
// purposes are equal. Kind is shown in listings; Key never is (it may name
// a contact or a payment).
type Purpose = circapi.Purpose

// Config configures a Manager.
type Config struct {
	Node *circuit.Node
	Dir  Directory
	// DialGuard opens an anonymous link to a guard.
	DialGuard func(ctx context.Context, guard Relay) (circuit.Conn, error)
	Guards    GuardStore // nil: guards are not kept across restarts

	NumGuards  int           // 3
	Prebuilt   int           // idle guard → middle circuits kept ready (2)
	BuildRetry int           // attempts per request over different paths (3)
	Refill     time.Duration // how often the pre-builder checks (1 s)
	// MaxIdle closes a purpose's circuit that carried no cell for this
	// long (10 min); MaxAge closes it at this age (1 h), so a long-lived
	// purpose moves to fresh paths. The next request builds anew.
	MaxIdle, MaxAge time.Duration
	Rand            *rand.Rand // random seed from crypto/rand
	Logger          *slog.Logger
}

// Errors.
var (
	ErrNoRelays = errors.New("circmgr: not enough relays for a path")
	ErrClosed   = errors.New("circmgr: closed")
)

// Manager hands out circuits. Safe for concurrent use.
type Manager struct {
	cfg  Config
	log  *slog.Logger
	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	rng      *rand.Rand
	closed   bool
	guards   []identity.NodeID
	channels map[identity.NodeID]*circuit.Channel
	idle     []*circuit.Circuit // pre-built guard → middle, no purpose yet
	assigned map[assignKey]*circuit.Circuit
	building map[assignKey]*sync.Mutex // one build per purpose at a time
	activity map[*circuit.Circuit]activity
	// unreachable: relays that could not be reached (a guard's link
	// failed, or a build failed extending to them), and until when paths
	// avoid them while others are usable.
	unreachable map[identity.NodeID]time.Time
}

// GuardRetry is how long a relay that could not be reached is passed
// over, as guard or middle, for others (Tor's primary-guard retry is
// similar).
const GuardRetry = 30 * time.Second

// activity is what the sweeper last saw of a circuit.
type activity struct {
	cells uint64
	since time.Time // when cells last changed
}

// Idle returns how many pre-built circuits wait for a purpose.
func (m *Manager) Idle() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.idle {
		if c.Alive() {
			n++
		}
	}
	return n
}

type assignKey struct {
	p    Purpose
	dest identity.NodeID
}
