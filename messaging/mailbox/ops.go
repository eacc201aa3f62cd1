package mailbox

import (
	"errors"
	"time"

	"github.com/warrennet/warren/messaging/mailbox/wire"
	"github.com/warrennet/warren/store"
)

// createTries bounds the attempts to find an unused random queue ID.
const createTries = 3

var (
	respOK          = wire.OK{}
	respNoQueue     = wire.Error{Code: wire.CodeNoQueue}
	respUnavailable = wire.Error{Code: wire.CodeUnavailable}
)

// handle answers one request.
func (c *conn) handle(req wire.Request) wire.Response {
	switch m := req.(type) {
	case wire.Create:
		return c.srv.create(m)
	case wire.Deposit:
		return c.srv.deposit(m)
	case wire.Fetch:
		return c.fetch(m)
	case wire.Ack:
		return c.srv.ack(m)
	case wire.FetchAck:
		return c.fetchAck(m)
	case wire.Delete:
		return c.srv.delete(m)
	}
	return respUnavailable // unreachable: DecodeRequest returns only those
}

// storeErr maps a store error to a response.
func (s *Server) storeErr(op string, err error) wire.Response {
	switch {
	case errors.Is(err, store.ErrMailboxNoQueue):
		return respNoQueue
	case errors.Is(err, store.ErrMailboxFull):
		s.st.quota.Add(1)
		return wire.Error{Code: wire.CodeMailboxFull}
	}
	if s.ctx.Err() == nil {
		s.cfg.Logger.Warn("mailbox: storage error", "op", op, "err", err)
	}
	return respUnavailable
}

func (s *Server) create(m wire.Create) wire.Response {
	ctx, cancel := s.storeCtx()
	defer cancel()
	var q QueueID
	err := store.ErrMailboxExists
	for i := 0; i < createTries && errors.Is(err, store.ErrMailboxExists); i++ {
		if _, err = s.cfg.Rand.Read(q[:]); err != nil {
			break
		}
		err = s.cfg.DB.MailboxCreate(ctx, q, m.Auth, s.unix(), s.cfg.MailboxQueues)
	}
	if err != nil {
		return s.storeErr("create", err)
	}
	s.st.creates.Add(1)
	s.cfg.Logger.Debug("mailbox: queue created", "queue", q)
	return wire.Created{Queue: q}
}

func (s *Server) deposit(m wire.Deposit) wire.Response {
	r, err := s.commit(&op{dep: s.depositRow(m)})
	return s.depositAnswer(m, r, err)
}

// depositRow is what the store keeps of a deposit.
func (s *Server) depositRow(m wire.Deposit) store.MailboxDeposit {
	now := s.unix()
	expires := (now + int64(s.cfg.Expiry/time.Second) + expiryGrain - 1) / expiryGrain * expiryGrain
	return store.MailboxDeposit{Queue: m.Queue, ID: wire.MsgIDOf(m.Envelope), Envelope: m.Envelope, Expires: expires}
}

// depositAnswer counts a committed deposit and says what to answer.
func (s *Server) depositAnswer(m wire.Deposit, r store.DepositResult, err error) wire.Response {
	if err != nil {
		return s.storeErr("deposit", err)
	}
	switch r {
	case store.DepositStored:
		s.st.deposits.Add(1)
		s.waiters.notify(m.Queue)
		return respOK
	case store.DepositDuplicate:
		s.st.duplicates.Add(1)
		return respOK
	case store.DepositQueueFull:
		s.st.quota.Add(1)
		return wire.Error{Code: wire.CodeQueueFull}
	case store.DepositMailboxFull:
		s.st.quota.Add(1)
		return wire.Error{Code: wire.CodeMailboxFull}
	}
	return respNoQueue
}

// fetchNow reads what a FETCH would answer now.
func (s *Server) fetchNow(m *wire.Fetch, auth wire.AuthHash) wire.Response {
	ctx, cancel := s.storeCtx()
	defer cancel()
	budget := wire.MaxResponseFrame - wire.MsgsHeader
	msgs, err := s.cfg.DB.MailboxFetch(ctx, store.MailboxFetchReq{
		Queue: m.Queue, Auth: auth, Max: int(m.Max), Budget: budget, Overhead: wire.MsgOverhead,
		Now: s.unix(), TouchAfter: int64(touchEvery / time.Second),
	})
	if err != nil {
		return s.storeErr("fetch", err)
	}
	out := wire.Msgs{Messages: make([]wire.Message, len(msgs))}
	for i, msg := range msgs {
		out.Messages[i] = wire.Message{ID: msg.ID, Envelope: msg.Envelope}
	}
	return out
}

// fetch answers at once unless the queue is empty and m asks to wait: then
// it registers a waiter, looks again (a deposit may have landed between),
// and waits for a deposit, the end of the wait, Close, or another frame.
func (c *conn) fetch(m wire.Fetch) wire.Response {
	s := c.srv
	s.st.fetches.Add(1)
	auth := wire.AuthOf(&m.Secret)
	m.Secret.Zero()
	resp := s.fetchNow(&m, auth)
	if !emptyMsgs(resp) || m.Wait == 0 {
		return resp
	}
	ch := s.waiters.add(m.Queue)
	if ch == nil {
		return respUnavailable
	}
	defer s.waiters.remove(m.Queue, ch)
	if resp = s.fetchNow(&m, auth); !emptyMsgs(resp) {
		return resp
	}
	if !c.wait(ch, time.Duration(m.Wait)*time.Second) {
		return resp
	}
	return s.fetchNow(&m, auth)
}

func emptyMsgs(r wire.Response) bool {
	m, ok := r.(wire.Msgs)
	return ok && len(m.Messages) == 0
}

func (s *Server) ack(m wire.Ack) wire.Response {
	defer m.Secret.Zero()
	if resp := s.ackIDs(m.Queue, &m.Secret, m.IDs); resp != nil {
		return resp
	}
	return respOK
}

// ackIDs deletes the named messages through the committer (so an ack
// shares its transaction with deposits and other acks); nil means done.
func (s *Server) ackIDs(q QueueID, secret *Secret, ids []MsgID) wire.Response {
	raw := make([][16]byte, len(ids))
	for i, id := range ids {
		raw[i] = id
	}
	if _, err := s.commit(&op{ack: &store.MailboxAcks{Queue: q, Auth: wire.AuthOf(secret), IDs: raw}}); err != nil {
		return s.storeErr("ack", err)
	}
	s.st.acks.Add(1)
	return nil
}

// fetchAck acks, then fetches as a FETCH does; a refused ack is the
// answer.
func (c *conn) fetchAck(m wire.FetchAck) wire.Response {
	defer m.Secret.Zero()
	if resp := c.srv.ackIDs(m.Queue, &m.Secret, m.IDs); resp != nil {
		return resp
	}
	return c.fetch(m.Fetch())
}

func (s *Server) delete(m wire.Delete) wire.Response {
	ctx, cancel := s.storeCtx()
	defer cancel()
	if err := s.cfg.DB.MailboxDeleteQueue(ctx, m.Queue, wire.AuthOf(&m.Secret)); err != nil {
		return s.storeErr("delete", err)
	}
	s.st.deletes.Add(1)
	s.waiters.notify(m.Queue)
	return respOK
}
