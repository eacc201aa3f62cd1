package circapi

import "sync"

// Streams is the set of streams a service is serving, so that the
// service's Close can close them all and wait for their handlers. The
// zero value is ready; safe for concurrent use.
type Streams struct {
	mu     sync.Mutex
	closed bool
	set    map[Stream]struct{}
	wg     sync.WaitGroup
}

// Serve runs serve on raw (wrapped by CloseOnce) and closes it when serve
// returns; after Close it closes raw at once instead.
func (s *Streams) Serve(raw Stream, serve func(Stream)) {
	st := CloseOnce(raw)
	if !s.add(st) {
		st.Close()
		return
	}
	defer s.remove(st)
	serve(st)
}

func (s *Streams) add(st Stream) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.set == nil {
		s.set = map[Stream]struct{}{}
	}
	s.set[st] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Streams) remove(st Stream) {
	st.Close()
	s.mu.Lock()
	delete(s.set, st)
	s.mu.Unlock()
	s.wg.Done()
}

// Close refuses new streams, closes every stream being served and waits
// until every Serve has returned. Idempotent.
func (s *Streams) Close() {
	s.mu.Lock()
	s.closed = true
	for st := range s.set {
		st.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
