package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
)

// catchUpLoop reads every peer's feed at once and then every
// CatchUpInterval, until Close.
func (s *Server) catchUpLoop() {
	defer s.wg.Done()
	for {
		s.catchUp(s.ctx)
		t := time.NewTimer(s.cfg.CatchUpInterval)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// catchUp reads each peer's feed from where the last round stopped and
// applies what this validator missed. A certificate that does not verify
// is counted and skipped (a Byzantine peer cannot make this validator
// apply anything: every certificate carries a quorum of votes).
func (s *Server) catchUp(ctx context.Context) {
	self := s.cfg.Validator.Index()
	for i := range s.cfg.Committee.N() {
		if i == self || ctx.Err() != nil {
			continue
		}
		if err := s.catchUpWith(ctx, i); err != nil {
			s.log.LogAttrs(ctx, slog.LevelDebug, "ledger/service: catching up with a peer failed",
				slog.Int("peer", i), slog.String("err", err.Error()))
		}
	}
}

func (s *Server) catchUpWith(ctx context.Context, i int) error {
	from, err := s.cfg.Cursors.Load(i)
	if err != nil {
		return err
	}
	page := func(ctx context.Context, after uint64) (ledgerwire.Certs, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.VoteTimeout)
		defer cancel()
		return s.cfg.Peers.Feed(ctx, i, after)
	}
	to, n, err := Follow(ctx, page, from, catchUpPages, s.applyFromFeed)
	s.st.caughtUp.Add(uint64(n))
	if to != from {
		if serr := s.cfg.Cursors.Save(i, to); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// applyFromFeed applies one certificate read from a peer's feed; only a
// storage failure stops the round.
func (s *Server) applyFromFeed(c *ledger.Certificate) error {
	err := s.cfg.Validator.HandleCertificate(c)
	if err != nil && ledger.VerifyCertificate(s.cfg.Committee, s.cfg.Network, c) != nil {
		s.st.badFeed.Add(1)
		return nil
	}
	return err
}

// memCursors is Cursors in memory.
type memCursors struct {
	mu  sync.Mutex
	pos map[int]uint64
}

func (m *memCursors) Load(i int) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pos[i], nil
}

func (m *memCursors) Save(i int, p uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos == nil {
		m.pos = map[int]uint64{}
	}
	m.pos[i] = p
	return nil
}
