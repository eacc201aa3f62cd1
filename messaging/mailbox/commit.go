package mailbox

import (
	"errors"

	"github.com/warrennet/warren/store"
)

// depositReq is one deposit waiting for the committer.
type depositReq struct {
	d   store.MailboxDeposit
	res chan depositRes // buffered, 1
}

type depositRes struct {
	r   store.DepositResult
	err error
}

var errClosed = errors.New("mailbox: server closed")

// commit hands d to the committer and waits until it is durable (or
// refused). Deposits arriving together share one transaction and fsync.
func (s *Server) commit(d store.MailboxDeposit) (store.DepositResult, error) {
	req, err := s.submit(d)
	if err != nil {
		return 0, err
	}
	return req.wait()
}

// submit hands d to the committer without waiting for it.
func (s *Server) submit(d store.MailboxDeposit) (*depositReq, error) {
	req := &depositReq{d: d, res: make(chan depositRes, 1)}
	select {
	case s.depq <- req:
		return req, nil
	case <-s.ctx.Done():
		return nil, errClosed
	}
}

// wait returns the committer's answer. The committer answers every
// request it took (its store call is bounded by StoreTimeout and Close),
// and may read the deposit until it does.
func (r *depositReq) wait() (store.DepositResult, error) {
	res := <-r.res
	return res.r, res.err
}

// commitLoop is the committer: it takes the first waiting deposit, every
// other one already queued (up to maxBatch), and commits them together.
func (s *Server) commitLoop() {
	defer s.workers.Done()
	for {
		var first *depositReq
		select {
		case first = <-s.depq:
		case <-s.ctx.Done():
			return
		}
		s.commitBatch(s.gather(first))
	}
}

func (s *Server) gather(first *depositReq) []*depositReq {
	batch := []*depositReq{first}
	for len(batch) < maxBatch {
		select {
		case r := <-s.depq:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (s *Server) commitBatch(batch []*depositReq) {
	deps := make([]store.MailboxDeposit, len(batch))
	for i, r := range batch {
		deps[i] = r.d
	}
	ctx, cancel := s.storeCtx()
	defer cancel()
	rs, err := s.cfg.DB.MailboxDeposit(ctx, deps, s.cfg.limits())
	for i, r := range batch {
		if err != nil {
			r.res <- depositRes{err: err}
		} else {
			r.res <- depositRes{r: rs[i]}
		}
	}
}
