package mailbox

import (
	"time"
)

// sweepLoop removes expired messages and tombstones and idle queues every
// SweepInterval, and once at start.
func (s *Server) sweepLoop() {
	defer s.workers.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		s.sweep()
		select {
		case <-t.C:
		case <-s.ctx.Done():
			return
		}
	}
}

// sweep runs store sweeps until nothing is left, the store fails, or the
// server closes.
func (s *Server) sweep() {
	now := s.unix()
	idleBefore := now - int64(s.cfg.QueueIdle/time.Second)
	for s.ctx.Err() == nil {
		ctx, cancel := s.storeCtx()
		sw, err := s.cfg.DB.MailboxSweep(ctx, now, idleBefore, sweepBatch)
		cancel()
		if err != nil {
			if s.ctx.Err() == nil {
				s.cfg.Logger.Warn("mailbox: sweep failed", "err", err)
			}
			return
		}
		s.st.expired.Add(uint64(sw.Msgs))
		s.st.idle.Add(uint64(sw.Queues))
		if sw.Queues > 0 {
			s.cfg.Logger.Info("mailbox: deleted idle queues", "count", sw.Queues)
		}
		if sw.Done(sweepBatch) {
			return
		}
	}
}
