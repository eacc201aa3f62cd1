package circuit

import (
	"io"
	"sync"

	"github.com/warrennet/warren/onion/circapi"
)

// Service handles one stream a client opened to it at this node. It owns
// the stream and should Close it when done; the node closes it anyway
// when the handler returns.
type Service func(s *Stream)

// Services is a registry of named services. Safe for concurrent use.
type Services struct {
	mu sync.RWMutex
	m  map[string]Service
}

// NewServices returns a registry holding the built-in "echo" (sends back
// what it reads) and "discard" (reads and drops everything).
func NewServices() *Services {
	s := &Services{m: make(map[string]Service)}
	s.Register("echo", func(st *Stream) { io.Copy(st, st) })
	s.Register("discard", func(st *Stream) { io.Copy(io.Discard, st) })
	return s
}

// Register adds or replaces the service called name.
func (s *Services) Register(name string, svc Service) {
	s.mu.Lock()
	s.m[name] = svc
	s.mu.Unlock()
}

// Handle registers h as the service called name (circapi.Host).
func (s *Services) Handle(name string, h circapi.Handler) {
	s.Register(name, func(st *Stream) { h(st) })
}

var _ circapi.Host = (*Services)(nil)

// Names lists the registered services.
func (s *Services) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.m))
	for n := range s.m {
		out = append(out, n)
	}
	return out
}

func (s *Services) lookup(name string) Service {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[name]
}
