package mailbox

import "sync"

// waiters are the long-polling fetches, by queue. Safe for concurrent use.
type waiters struct {
	max int
	mu  sync.Mutex
	n   int
	by  map[QueueID]map[chan struct{}]struct{}
}

func newWaiters(max int) *waiters {
	return &waiters{max: max, by: map[QueueID]map[chan struct{}]struct{}{}}
}

// add registers a waiter on q; its channel is closed by notify(q). It
// returns nil if max waiters are registered already.
func (w *waiters) add(q QueueID) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n >= w.max {
		return nil
	}
	ch := make(chan struct{})
	if w.by[q] == nil {
		w.by[q] = map[chan struct{}]struct{}{}
	}
	w.by[q][ch] = struct{}{}
	w.n++
	return ch
}

// remove unregisters ch (a no-op if notify already did).
func (w *waiters) remove(q QueueID, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.by[q][ch]; !ok {
		return
	}
	delete(w.by[q], ch)
	if len(w.by[q]) == 0 {
		delete(w.by, q)
	}
	w.n--
}

// notify wakes and unregisters every waiter on q.
func (w *waiters) notify(q QueueID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.by[q] {
		close(ch)
		w.n--
	}
	delete(w.by, q)
}

func (w *waiters) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}
