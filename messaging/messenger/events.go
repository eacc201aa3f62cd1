package messenger

import (
	"sync"
	"sync/atomic"
	"time"
)

// EventBuffer bounds each subscriber's queue of undelivered events; a
// subscriber that falls further behind loses events (Event.Lost counts
// them on the next one it gets) rather than slowing the messenger.
const EventBuffer = 1024

// MaxSubscribers bounds concurrent subscriptions.
const MaxSubscribers = 64

// Event is something a user watching would want to know. Kind is
// "message" (a new incoming text), "state" (an outgoing message changed
// state) or "contact" (a contact was added or became active).
type Event struct {
	Kind    string    `json:"kind"`
	Time    time.Time `json:"time"`
	Contact string    `json:"contact"`
	Name    string    `json:"name,omitempty"`
	ID      string    `json:"id,omitempty"`
	Seq     uint64    `json:"seq,omitempty"`
	Body    string    `json:"body,omitempty"`
	State   string    `json:"state,omitempty"`
	Why     string    `json:"why,omitempty"`
	Latency float64   `json:"latency_ms,omitempty"` // queued → this state, or sent → received
	Lost    uint64    `json:"lost,omitempty"`
	Sent    time.Time `json:"sent,omitzero"`
}

type subscriber struct {
	ch   chan Event
	lost atomic.Uint64
}

// hub fans events out to subscribers without ever blocking the sender.
type hub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

// Subscribe returns a channel of events and a function that ends the
// subscription (idempotent). The channel is closed when the subscription
// ends or the messenger closes. ok is false when MaxSubscribers are
// already subscribed.
func (m *Messenger) Subscribe() (events <-chan Event, cancel func(), ok bool) {
	return m.events.subscribe()
}

func (h *hub) subscribe() (<-chan Event, func(), bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.subs) >= MaxSubscribers {
		return nil, func() {}, false
	}
	if h.subs == nil {
		h.subs = map[*subscriber]struct{}{}
	}
	s := &subscriber{ch: make(chan Event, EventBuffer)}
	h.subs[s] = struct{}{}
	var once sync.Once
	return s.ch, func() { once.Do(func() { h.remove(s) }) }, true
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if lost := s.lost.Load(); lost > 0 {
			e.Lost = lost
		}
		select {
		case s.ch <- e:
			s.lost.Store(0)
		default:
			s.lost.Add(1)
		}
		e.Lost = 0
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		close(s.ch)
		delete(h.subs, s)
	}
}
