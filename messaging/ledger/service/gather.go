package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerwire"
)

// rejections are the validator errors that judge the order itself.
var rejections = []error{ledger.ErrMalformed, ledger.ErrInvalidOrder, ledger.ErrUnbalanced,
	ledger.ErrFeeTooLow, ledger.ErrDust, ledger.ErrBadSignature, ledger.ErrUnknownCoin, ledger.ErrSpent, ErrRejected}

func isRejection(err error) bool {
	for _, r := range rejections {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// voteResponse turns the local validator's decision into a VOTE answer.
func voteResponse(v *ledger.Vote, rf *ledger.Refusal, err error) ledgerwire.Response {
	switch {
	case v != nil:
		return ledgerwire.Voted{Vote: v}
	case rf != nil:
		return ledgerwire.Refused{Refusal: rf}
	case isRejection(err):
		return ledgerwire.Error{Code: ledgerwire.CodeRejected}
	}
	return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
}

// applyResponse turns HandleCertificate's result into an APPLY answer.
func applyResponse(err error) ledgerwire.Response {
	switch {
	case err == nil:
		return ledgerwire.OK{}
	case errors.Is(err, ledger.ErrBadCert) || isRejection(err):
		return ledgerwire.Error{Code: ledgerwire.CodeBadCert}
	}
	return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
}

// outcome is one validator's answer to an order.
type outcome struct {
	index   int
	vote    *ledger.Vote
	refusal *ledger.Refusal
	err     error
}

// fanOut runs ask for every validator, each in a goroutine the server
// owns, bounded by VoteTimeout; answers arrive on the returned channel
// (buffered: a straggler never blocks after the caller stops reading).
// At most MaxGathers fan-outs run at once (one anonymous request makes
// this validator ask every other): beyond that it returns nil and counts
// the refusal.
func fanOut[T any](s *Server, ask func(ctx context.Context, i int) T) <-chan T {
	select {
	case s.gathers <- struct{}{}:
	default:
		s.st.busy.Add(1)
		return nil
	}
	n := s.cfg.Committee.N()
	out := make(chan T, n)
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.VoteTimeout)
	left := make(chan struct{}, n)
	for i := range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			out <- ask(ctx, i)
			left <- struct{}{}
		}()
	}
	s.wg.Add(1)
	go func() { // releases the timer once every answer is in
		defer s.wg.Done()
		for range n {
			<-left
		}
		cancel()
		<-s.gathers
	}()
	return out
}

// askVote gets validator i's decision on so: locally or through Peers.
func (s *Server) askVote(ctx context.Context, i int, so *ledger.SignedOrder) outcome {
	if i == s.cfg.Validator.Index() {
		v, rf, err := s.cfg.Validator.HandleOrder(so)
		return outcome{index: i, vote: v, refusal: rf, err: err}
	}
	v, rf, err := s.cfg.Peers.Vote(ctx, i, so)
	return outcome{index: i, vote: v, refusal: rf, err: err}
}

// tally is what a SUBMIT has gathered.
type tally struct {
	votes              []*ledger.Vote
	refusals           []*ledger.Refusal
	answered, rejected int
}

// add counts o: a vote only if it is valid, by validator o.index, for d.
func (t *tally) add(s *Server, d ledger.Digest, o outcome) {
	t.answered++
	switch {
	case o.vote != nil && int(o.vote.Validator) == o.index && o.vote.Digest == d &&
		s.cfg.Committee.VerifyVote(s.cfg.Network, o.vote) == nil:
		t.votes = append(t.votes, o.vote)
	case o.refusal != nil && int(o.refusal.Validator) == o.index && o.refusal.Refused == d:
		t.refusals = append(t.refusals, o.refusal)
	case o.vote == nil && o.refusal == nil && isRejection(o.err):
		t.rejected++
	}
}

// decided: a quorum of votes, or too many other answers for one to form.
func (t *tally) decided(com *ledger.Committee) bool {
	return len(t.votes) >= com.Quorum() || t.answered-len(t.votes) > com.N()-com.Quorum()
}

// submit gathers the committee's decisions on so and answers VOTES (or
// ERROR: rejected when more than f validators judged the order invalid
// and no quorum formed; unavailable when nothing came back).
func (s *Server) submit(so *ledger.SignedOrder) ledgerwire.Response {
	d := so.Digest(s.cfg.Network)
	com := s.cfg.Committee
	answers := fanOut(s, func(ctx context.Context, i int) outcome { return s.askVote(ctx, i, so) })
	if answers == nil {
		return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
	}
	t := &tally{}
	timer := time.NewTimer(s.cfg.GatherTimeout)
	defer timer.Stop()
	for t.answered < com.N() && !t.decided(com) {
		select {
		case o := <-answers:
			t.add(s, d, o)
		case <-timer.C:
			return s.votesAnswer(d, t)
		case <-s.ctx.Done():
			return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
		}
	}
	return s.votesAnswer(d, t)
}

func (s *Server) votesAnswer(d ledger.Digest, t *tally) ledgerwire.Response {
	com := s.cfg.Committee
	if len(t.votes) >= com.Quorum() {
		s.st.quorums.Add(1)
		return fit(ledgerwire.Votes{Votes: t.votes[:com.Quorum()], Refusals: t.refusals})
	}
	s.st.noQuorums.Add(1)
	s.log.LogAttrs(context.Background(), slog.LevelDebug, "ledger/service: no quorum for order",
		slog.Any("order", d), slog.Int("votes", len(t.votes)), slog.Int("refusals", len(t.refusals)),
		slog.Int("rejected", t.rejected), slog.Int("answered", t.answered))
	switch {
	case t.rejected > com.N()-com.Quorum():
		return ledgerwire.Error{Code: ledgerwire.CodeRejected}
	case len(t.votes)+len(t.refusals) == 0:
		return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
	}
	return fit(ledgerwire.Votes{Votes: t.votes, Refusals: t.refusals})
}

// fit drops refusals from the end until m fits one response frame.
func fit(m ledgerwire.Votes) ledgerwire.Votes {
	for len(m.Refusals) > 0 {
		if _, err := ledgerwire.AppendResponse(nil, m); err == nil {
			break
		}
		m.Refusals = m.Refusals[:len(m.Refusals)-1]
	}
	return m
}

// certify applies cert here, then forwards it to every other validator;
// OK once a quorum (this one included) has applied it.
func (s *Server) certify(cert *ledger.Certificate) ledgerwire.Response {
	if err := ledger.VerifyCertificate(s.cfg.Committee, s.cfg.Network, cert); err != nil {
		return ledgerwire.Error{Code: ledgerwire.CodeBadCert}
	}
	self := s.cfg.Validator.Index()
	answers := fanOut(s, func(ctx context.Context, i int) error {
		if i == self {
			return s.cfg.Validator.HandleCertificate(cert)
		}
		return s.cfg.Peers.Apply(ctx, i, cert)
	})
	if answers == nil {
		return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
	}
	timer := time.NewTimer(s.cfg.GatherTimeout)
	defer timer.Stop()
	applied := 0
	for range s.cfg.Committee.N() {
		select {
		case err := <-answers:
			if err == nil {
				applied++
			}
		case <-timer.C:
			return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
		case <-s.ctx.Done():
			return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
		}
		if applied >= s.cfg.Committee.Quorum() {
			return ledgerwire.OK{}
		}
	}
	return ledgerwire.Error{Code: ledgerwire.CodeUnavailable}
}
