package mailbox

import (
	"slices"
	"sync"
)

// maxWaitersPerQueue bounds the long polls on one queue (its owner needs
// one; two allow a reconnect): a newer one wakes the oldest, which
// answers empty, so nobody can hold a queue's slots against its owner.
const maxWaitersPerQueue = 2

// waiters are the long-polling fetches, by queue, oldest first. Safe for
// concurrent use.
type waiters struct {
	max int
	mu  sync.Mutex
	n   int
	by  map[QueueID][]chan struct{}
}

func newWaiters(max int) *waiters {
	return &waiters{max: max, by: map[QueueID][]chan struct{}{}}
}

// add registers a waiter on q; its channel is closed by notify(q), or
// when more than maxWaitersPerQueue wait on q. It returns nil if max
// waiters are registered already.
func (w *waiters) add(q QueueID) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if list := w.by[q]; len(list) >= maxWaitersPerQueue {
		close(list[0])
		w.by[q] = list[1:]
		w.n--
	}
	if w.n >= w.max {
		return nil
	}
	ch := make(chan struct{})
	w.by[q] = append(w.by[q], ch)
	w.n++
	return ch
}

// remove unregisters ch (a no-op if it was woken already).
func (w *waiters) remove(q QueueID, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := slices.Index(w.by[q], ch)
	if i < 0 {
		return
	}
	w.by[q] = slices.Delete(w.by[q], i, i+1)
	if len(w.by[q]) == 0 {
		delete(w.by, q)
	}
	w.n--
}

// notify wakes and unregisters every waiter on q.
func (w *waiters) notify(q QueueID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.by[q] {
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
