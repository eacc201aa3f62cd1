package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Backend is what the daemon provides to the API.
type Backend interface {
	Status() Status
	// Shutdown asks the daemon to stop gracefully. It returns at once.
	Shutdown()
	// Peers lists the address book.
	Peers() []BookEntry
	// AddPeer verifies a base64url signed record and adds it to the book.
	AddPeer(record string) (PeerResult, error)
	// BanPeer drops a node and refuses it for d.
	BanPeer(peer string, d time.Duration) (PeerResult, error)
	// Circuits lists this node's own circuits and its relay counters.
	Circuits() Circuits
	// EchoCircuit opens a stream through a 3-hop circuit to the echo
	// service of relay node and echoes size random bytes.
	EchoCircuit(ctx context.Context, node string, size int) (EchoResult, error)
	// Messaging serves contacts, messages and their events.
	Messaging
	// Wallet serves payments.
	Wallet
}

// maxRequestBody bounds a request's JSON body.
const maxRequestBody = 64 << 10

// MaxSocketPath is the longest Unix socket path Linux accepts.
const MaxSocketPath = 107

// Server serves the API on a Unix socket. Close is idempotent and safe for
// concurrent use.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	path   string
	done   chan struct{}
	once   sync.Once
	logger *slog.Logger
}

// Listen creates the socket at path (mode 0600) and starts serving b.
// A stale socket left by a crashed daemon is removed; a live one is an error.
func Listen(path string, b Backend, logger *slog.Logger) (*Server, error) {
	if len(path) > MaxSocketPath {
		return nil, fmt.Errorf("api: socket path is %d bytes, longer than the %d Linux allows; use a shorter state directory", len(path), MaxSocketPath)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("api: listen: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("api: chmod socket: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{ln: ln, path: path, done: make(chan struct{}), logger: logger}
	s.srv = &http.Server{
		Handler:           s.routes(b),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go s.serve()
	return s, nil
}

func removeStale(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return errors.New("api: another warren daemon is serving this state directory")
	}
	return os.Remove(path)
}

func (s *Server) serve() {
	defer close(s.done)
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.logger.Error("api server stopped", "err", err)
	}
}

func (s *Server) routes(b Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Version+"/status", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, b.Status())
	})
	mux.HandleFunc("POST "+Version+"/shutdown", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusAccepted, struct{}{})
		b.Shutdown()
	})
	mux.HandleFunc("GET "+Version+"/peers", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, b.Peers())
	})
	mux.HandleFunc("POST "+Version+"/peers/add", func(w http.ResponseWriter, r *http.Request) {
		var req AddPeerRequest
		if decodeBody(w, r, &req) {
			answer(w)(b.AddPeer(req.Record))
		}
	})
	mux.HandleFunc("GET "+Version+"/circuits", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, b.Circuits())
	})
	mux.HandleFunc("POST "+Version+"/circuits/echo", func(w http.ResponseWriter, r *http.Request) {
		var req EchoRequest
		// A circuit build over Tor can outlast the server's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(3 * time.Minute))
		if decodeBody(w, r, &req) {
			answerT[EchoResult](w)(b.EchoCircuit(r.Context(), req.Node, req.Bytes))
		}
	})
	mux.HandleFunc("POST "+Version+"/peers/ban", func(w http.ResponseWriter, r *http.Request) {
		var req BanRequest
		if decodeBody(w, r, &req) {
			answer(w)(b.BanPeer(req.Peer, time.Duration(req.DurationSec*float64(time.Second))))
		}
	})
	messagingRoutes(mux, b)
	walletRoutes(mux, b)
	return mux
}

// decodeBody reads a bounded JSON body with no unknown fields; on failure
// it answers 400 and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, Error{Error: "bad request: " + err.Error()})
		return false
	}
	return true
}

// answer writes a result, or the error as 400 (the request was refused).
func answer(w http.ResponseWriter) func(PeerResult, error) { return answerT[PeerResult](w) }

// answerT writes res, or err as a 400 with its message.
func answerT[T any](w http.ResponseWriter) func(T, error) {
	return func(res T, err error) {
		if err != nil {
			writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Close stops accepting, waits up to a second for requests in flight, and
// removes the socket file.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
		<-s.done
		_ = os.Remove(s.path)
	})
	return nil
}
