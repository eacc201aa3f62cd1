package service

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
	"github.com/warrennet/warren/onion/circapi"
)

// Server is a validator's ledger service: it serves ledgerwire on the
// streams handed to Handle. Safe for concurrent use; Handle is a
// circapi.Handler. It never learns who opened a stream.
type Server struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	st     counters
	// gathers holds a token per fan-out running (SUBMIT, CERT).
	gathers chan struct{}

	streams   circapi.Streams // the streams being served
	closeOnce sync.Once
	wg        sync.WaitGroup // the peer requests streams start, the catch-up loop
}

var _ circapi.Handler = (*Server)(nil).Handle

type counters struct {
	submits, votes, certs, applies, quorums, noQuorums, malformed atomic.Uint64
	feeds, caughtUp, badFeed, busy                                atomic.Uint64
}

// New returns a server for cfg.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, gathers: make(chan struct{}, cfg.MaxGathers)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.Committee.N() > 1 && cfg.CatchUpInterval > 0 {
		s.wg.Add(1)
		go s.catchUpLoop()
	}
	return s, nil
}

// Close stops the server: it closes every stream being served, cancels
// the peer requests in flight and waits for all of them. Idempotent.
// Handle calls after Close close their stream at once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.streams.Close() // no stream starts a peer request after this
		s.wg.Wait()
	})
	return nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	c := &s.st
	return Stats{Submits: c.submits.Load(), VoteRequests: c.votes.Load(), Certs: c.certs.Load(),
		Applies: c.applies.Load(), Quorums: c.quorums.Load(), NoQuorums: c.noQuorums.Load(),
		Malformed: c.malformed.Load(), Feeds: c.feeds.Load(), CaughtUp: c.caughtUp.Load(), BadFeedCerts: c.badFeed.Load(), Busy: c.busy.Load()}
}

// Handle serves one stream, one request after another, until the client
// closes it, breaks the protocol (the stream is closed and counted,
// nothing is explained), idles past IdleTimeout, or the server closes.
// It closes the stream.
func (s *Server) Handle(raw circapi.Stream) {
	s.streams.Serve(raw, func(st circapi.Stream) {
		for s.serveOne(st) {
		}
	})
}

// serveOne reads, answers and writes one request; false ends the stream.
func (s *Server) serveOne(st circapi.Stream) bool {
	t := time.AfterFunc(s.cfg.IdleTimeout, func() { st.Close() })
	frame, err := readFrame(st, ledgerwire.MaxRequestFrame)
	t.Stop()
	if err != nil {
		if isMalformed(err) {
			s.malformed()
		}
		return false
	}
	req, err := ledgerwire.DecodeRequest(frame)
	if err != nil {
		s.malformed()
		return false
	}
	return s.write(st, s.answer(req)) == nil
}

func (s *Server) malformed() {
	s.st.malformed.Add(1)
	s.log.LogAttrs(context.Background(), slog.LevelDebug, "ledger/service: malformed frame; stream closed")
}

func (s *Server) write(st circapi.Stream, resp ledgerwire.Response) error {
	b, err := ledgerwire.AppendResponse(nil, resp)
	if err != nil {
		b, _ = ledgerwire.AppendResponse(nil, ledgerwire.Error{Code: ledgerwire.CodeUnavailable})
	}
	t := time.AfterFunc(s.cfg.WriteTimeout, func() { st.Close() })
	defer t.Stop()
	_, err = st.Write(b)
	return err
}

// answer dispatches one decoded request.
func (s *Server) answer(req ledgerwire.Request) ledgerwire.Response {
	switch m := req.(type) {
	case ledgerwire.Submit:
		s.st.submits.Add(1)
		return s.submit(m.Order)
	case ledgerwire.VoteRequest:
		s.st.votes.Add(1)
		return voteResponse(s.cfg.Validator.HandleOrder(m.Order))
	case ledgerwire.Cert:
		s.st.certs.Add(1)
		return s.certify(m.Cert)
	case ledgerwire.Apply:
		s.st.applies.Add(1)
		return applyResponse(s.cfg.Validator.HandleCertificate(m.Cert))
	case ledgerwire.Feed:
		s.st.feeds.Add(1)
		return s.feed(m.After)
	}
	return ledgerwire.Error{Code: ledgerwire.CodeMalformed}
}
