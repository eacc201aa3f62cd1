package messenger

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// riderWait is how long a sender with nothing left to deposit waits for
// another write (a Send, a received batch) to carry the records of its
// deposits before it commits them itself.
const riderWait = 20 * time.Millisecond

// saveLater records rows' new states (deposited: sent, or done for
// receipts) in the next group transaction, without waiting for it. Until
// it commits, the rows are in m.unsaved and passes skip them. Losing the
// record in a crash is harmless: the rows are deposited again, and the
// mailbox answers a copy it has, or had, without storing it.
func (s *sender) saveLater(rows []outRow) {
	m := s.m
	rows = slices.Clone(rows)
	m.mu.Lock()
	for i := range rows {
		m.unsaved[rows[i].N] = struct{}{}
	}
	m.mu.Unlock()
	ctx := context.WithoutCancel(m.ctx)
	full := m.cfg.DB.WriteLater(func(tx *sql.Tx) error { return saveRows(ctx, tx, rows) }, func(err error) {
		if err != nil && m.ctx.Err() == nil {
			m.log.Warn("messenger: recording deposits", "err", err)
		}
		m.mu.Lock()
		for i := range rows {
			delete(m.unsaved, rows[i].N)
		}
		m.mu.Unlock()
		if err != nil {
			m.kickContact(rows[0].Contact) // still due: deposited again
		}
	})
	if full {
		s.flush()
	}
}

// saveRows writes rows' new states.
func saveRows(ctx context.Context, tx *sql.Tx, rows []outRow) error {
	for i := range rows {
		if err := setOutState(ctx, tx, &rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// settle is a pass that found nothing due: if deposits' records wait for
// a write, it waits riderWait for one (or for a kick: true, another pass),
// then commits them itself. false ends the sender.
func (s *sender) settle() bool {
	m := s.m
	if !m.cfg.DB.LaterPending() {
		return false
	}
	t := time.NewTimer(riderWait)
	defer t.Stop()
	select {
	case <-s.st.wake:
		return true
	case <-t.C:
	case <-m.ctx.Done():
	}
	s.flush()
	return false
}

func (s *sender) flush() {
	if err := s.m.cfg.DB.FlushLater(s.m.ctx); err != nil && s.m.ctx.Err() == nil {
		s.m.log.Warn("messenger: recording deposits", "err", err)
	}
}

// flushRiders commits, at Close, the records still waiting (bounded: the
// store may be closing too).
func (m *Messenger) flushRiders() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.DB.FlushLater(ctx); err != nil {
		m.log.Debug("messenger: recording deposits at close", "err", err)
	}
}
