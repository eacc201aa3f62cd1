package peers

import (
	"context"
	"sync"
	"time"
)

// staticPoll is how often a static dialer checks that its link is up.
const staticPoll = time.Second

// static keeps one link to one static peer.
type static struct {
	m *Manager
	t Target

	mu       sync.Mutex
	state    string
	attempts int
	lastErr  string
	next     time.Time
}

// run keeps a link to the peer. The backoff grows with every failed dial
// and with every link that dies young, and resets once a link has lived
// linkStable.
func (s *static) run(ctx context.Context) {
	backoff := s.m.cfg.BackoffMin
	var linkedAt time.Time
	for ctx.Err() == nil {
		if s.m.cfg.Book.Banned(s.t.NodeID) {
			s.set("banned", "")
			sleep(ctx, staticPoll)
			continue
		}
		if s.m.Linked(s.t.NodeID) {
			if linkedAt.IsZero() {
				linkedAt = s.m.cfg.Now()
			}
			s.set("linked", "")
			sleep(ctx, staticPoll)
			continue
		}
		if !linkedAt.IsZero() && s.m.cfg.Now().Sub(linkedAt) >= linkStable {
			backoff = s.m.cfg.BackoffMin
		}
		if !linkedAt.IsZero() || s.attemptsSoFar() > 0 {
			s.wait(ctx, backoff)
			backoff = min(2*backoff, s.m.cfg.BackoffMax)
		}
		linkedAt = time.Time{}
		s.set("dialing", "")
		if err := s.dialOnce(ctx); err != nil {
			s.set("backoff", err.Error())
		}
	}
}

func (s *static) dialOnce(ctx context.Context) error {
	c, err := s.m.dial(ctx, s.t, false)
	if err != nil {
		return err
	}
	s.m.add(c, true)
	return nil
}

// wait sleeps a random time in [backoff/2, backoff) (jitter).
func (s *static) wait(ctx context.Context, backoff time.Duration) {
	w := s.m.jitter(backoff)
	s.mu.Lock()
	s.next = s.m.cfg.Now().Add(w)
	s.mu.Unlock()
	sleep(ctx, w)
}

func (s *static) attemptsSoFar() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func (s *static) set(state, lastErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == "dialing" {
		s.attempts++
	}
	s.state, s.next = state, time.Time{}
	if lastErr != "" || state == "linked" {
		s.lastErr = lastErr
	}
}

func (s *static) info() StaticInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StaticInfo{NodeID: s.t.NodeID, State: s.state, Attempts: s.attempts, LastError: s.lastErr, NextDial: s.next}
}

// sleep waits for d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
