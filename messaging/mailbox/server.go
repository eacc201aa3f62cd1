package mailbox

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/onion/circapi"
)

// Server is a mailbox: it serves the mailbox protocol on the streams
// handed to Handle and keeps queues in the store. It is safe for
// concurrent use; Handle is a circapi.Handler.
type Server struct {
	cfg     Config
	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	waiters *waiters
	cq      *committer
	st      counters

	streams   circapi.Streams // the streams being served
	closeOnce sync.Once
	workers   sync.WaitGroup // committer and sweeper
}

var _ circapi.Handler = (*Server)(nil).Handle

// Stats are a Server's counters since New, and the store's current sizes.
type Stats struct {
	Creates, Deposits, Duplicates, QuotaRejects uint64
	Fetches, Acks, Deletes                      uint64
	Malformed                                   uint64 // frames refused; each closed its stream
	Expired, IdleQueues                         uint64 // messages and queues removed by the sweeper
	Queues, Messages                            int    // stored now (0 if the store could not be read)
	Bytes                                       int64
}

type counters struct {
	creates, deposits, duplicates, quota, fetches, acks, deletes atomic.Uint64
	malformed, expired, idle                                     atomic.Uint64
}

// New starts a mailbox server over cfg.DB (its committer and sweeper
// goroutines run until Close).
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		waiters: newWaiters(cfg.MaxWaiters),
		cq:      newCommitter(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.workers.Add(2)
	go s.commitLoop()
	go s.sweepLoop()
	return s, nil
}

// Close stops the server: it wakes long-polling fetches, closes every
// stream being served, stops the committer and the sweeper, and waits for
// all of them. It is idempotent. Handle calls after Close return at once.
// It does not close the store.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.streams.Close()
		s.workers.Wait()
	})
	return nil
}

// Handle serves one stream until the client closes it, breaks the
// protocol, idles past IdleTimeout, or the server closes. It closes the
// stream.
func (s *Server) Handle(raw circapi.Stream) {
	s.streams.Serve(raw, func(st circapi.Stream) {
		c := &conn{srv: s, s: st}
		c.serve()
	})
}

// Stats returns the counters and, if the store answers within a second,
// its current sizes.
func (s *Server) Stats() Stats {
	c := &s.st
	out := Stats{
		Creates: c.creates.Load(), Deposits: c.deposits.Load(), Duplicates: c.duplicates.Load(),
		QuotaRejects: c.quota.Load(), Fetches: c.fetches.Load(), Acks: c.acks.Load(),
		Deletes: c.deletes.Load(), Malformed: c.malformed.Load(), Expired: c.expired.Load(),
		IdleQueues: c.idle.Load(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if t, err := s.cfg.DB.MailboxTotals(ctx); err == nil {
		out.Queues, out.Messages, out.Bytes = t.Queues, t.Msgs, t.Bytes
	}
	return out
}

// storeCtx bounds one storage operation by StoreTimeout and Close.
func (s *Server) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, s.cfg.StoreTimeout)
}

func (s *Server) unix() int64 { return s.cfg.Now().Unix() }
