package circuit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/warrennet/warren/onion/handshake"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
)

// Conn is a link that carries cells, one cell per frame. *link.Link
// satisfies it.
type Conn interface {
	Send(p []byte) error
	SendBatch(ps [][]byte) error
	Recv() ([]byte, error)
	Close() error
	Peer() link.PeerInfo
}

var _ Conn = (*link.Link)(nil)

// Flow-control constants (spec: both ends of a circuit must agree).
const (
	// CircWindow is the number of DATA cells an end may send on a circuit
	// before a SENDME; each circuit SENDME acknowledges CircIncrement.
	CircWindow    = 1000
	CircIncrement = 100
	// StreamWindow and StreamIncrement are the same per stream.
	StreamWindow    = 500
	StreamIncrement = 50
	// MaxEarly is the most RELAY_EARLY cells a circuit may carry, which
	// bounds its length (each EXTEND takes one).
	MaxEarly = 8
	// MaxHops bounds a circuit the client builds.
	MaxHops = 8
)

// Config configures a Node. Zero durations and sizes mean the defaults
// in parentheses.
type Config struct {
	NetworkID [32]byte
	Self      identity.NodeID
	// Handshake answers CREATEs; nil means this node is no relay and
	// refuses them.
	Handshake *handshake.Server
	// Services are the named services this node offers at the last hop.
	Services *Services
	// Dial opens an authenticated link to the node of rec (for EXTEND).
	Dial func(ctx context.Context, rec *record.Record) (Conn, error)
	// Verify decodes and verifies a peer record carried by EXTEND.
	Verify func(b []byte) (*record.Record, error)

	Now    func() time.Time // time.Now
	Rand   io.Reader        // crypto/rand
	Logger *slog.Logger     // discard

	BuildTimeout  time.Duration // one hop's CREATE or EXTEND (10 s)
	StreamTimeout time.Duration // BEGIN to CONNECTED (10 s)
	// MaxCircuits bounds the circuits this node relays or ends (65,536).
	MaxCircuits int
	// CircuitQueue bounds the cells queued for one circuit on one channel
	// (CircWindow + 100).
	CircuitQueue int
	// MaxQueued bounds the cells queued on all channels (131,072, 64 MiB);
	// over it the out-of-memory policy runs.
	MaxQueued int
	// CreateWorkers and CreateQueue size the handshake pool (GOMAXPROCS
	// workers; 1,024 pending). A CREATE that finds the queue full is
	// refused with DESTROY (resource limit).
	CreateWorkers int
	CreateQueue   int
	// ClientCreateRate and ClientCreateBurst bound the CREATEs one
	// anonymous (client) link may send (50/s, burst 100); RelayCreateRate
	// and RelayCreateBurst the same for a link from another relay, which
	// carries the extensions of many clients (1,000/s, burst 2,000). A
	// CREATE over the limit is refused with DESTROY (resource limit)
	// before any public-key work.
	ClientCreateRate, ClientCreateBurst float64
	RelayCreateRate, RelayCreateBurst   float64
	// ClientLinkCircuits bounds the circuits open on one anonymous link
	// (256).
	ClientLinkCircuits int
	// MaxStreamCells bounds the received stream data buffered for readers
	// across the node, in cells (131,072, 64 MiB); a circuit whose data
	// would pass it is destroyed (resource limit).
	MaxStreamCells int
	// MaxServiceStreams bounds the streams open to this node's services
	// (4,096); a BEGIN past it is refused.
	MaxServiceStreams int

	// Trace, if set, sees every message a hop decrypts and every link it
	// serves. Tests use it to check what each relay learns; never set it
	// in production (it sees plaintext).
	Trace func(Event)
}

// Event is what Trace sees.
type Event struct {
	Kind   string          // "link", "create", "msg"
	Peer   identity.NodeID // the link's authenticated peer (zero if anonymous)
	Cmd    string          // relay command, for "msg"
	Stream uint16
	Data   []byte // a copy
}

// Errors.
var (
	ErrClosed      = errors.New("circuit: closed")
	ErrDestroyed   = errors.New("circuit: destroyed")
	ErrTimeout     = errors.New("circuit: timed out")
	ErrRefused     = errors.New("circuit: refused by the hop")
	ErrNoService   = errors.New("circuit: no such service")
	ErrStreamLimit = errors.New("circuit: too many streams")
	ErrConfig      = errors.New("circuit: invalid configuration")
	ErrPath        = errors.New("circuit: invalid path")
)

func (c *Config) withDefaults() Config {
	d := *c
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	defInt := func(v *int, x int) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.BuildTimeout, 10*time.Second)
	def(&d.StreamTimeout, 10*time.Second)
	defInt(&d.MaxCircuits, 1<<16)
	defInt(&d.CircuitQueue, CircWindow+100)
	defInt(&d.MaxQueued, 1<<17)
	defInt(&d.CreateWorkers, defaultWorkers())
	defInt(&d.CreateQueue, 1024)
	defInt(&d.ClientLinkCircuits, 256)
	defInt(&d.MaxStreamCells, 1<<17)
	defInt(&d.MaxServiceStreams, 4096)
	defRate := func(v *float64, x float64) {
		if *v <= 0 {
			*v = x
		}
	}
	defRate(&d.ClientCreateRate, 50)
	defRate(&d.ClientCreateBurst, 100)
	defRate(&d.RelayCreateRate, 1000)
	defRate(&d.RelayCreateBurst, 2000)
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Services == nil {
		d.Services = NewServices()
	}
	return d
}
