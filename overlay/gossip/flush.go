package gossip

import (
	"slices"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/record"
)

// run is the peer's flusher: it sends our GET_RECORDS, answers the peer's,
// and flushes the push queue on a jittered timer armed only while the
// queue holds records. It returns on stop or when a Send fails.
func (p *Peer) run() {
	var t *time.Timer
	var tick <-chan time.Time
	defer func() {
		if t != nil {
			t.Stop()
		}
		p.stop()
		close(p.exited)
		p.e.wg.Done()
	}()
	for {
		select {
		case <-p.done:
			return
		case <-p.wake:
		case <-tick:
			tick = nil
			if !p.flush() {
				return
			}
		}
		if !p.sendControl() {
			return
		}
		if tick == nil && p.queued() > 0 {
			t = rearm(t, p.jitter())
			tick = t.C
		}
	}
}

func rearm(t *time.Timer, d time.Duration) *time.Timer {
	if t == nil {
		return time.NewTimer(d)
	}
	t.Reset(d)
	return t
}

// jitter is FlushInterval scaled by a uniform factor in [3/4, 5/4].
func (p *Peer) jitter() time.Duration {
	d := p.e.cfg.FlushInterval
	return d*3/4 + time.Duration(p.rng.Int64N(int64(d/2)+1))
}

func (p *Peer) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.q.len()
}

// flush sends as many queued records as the send bucket allows; the rest
// wait for the next flush. It reports false if the peer is gone.
func (p *Peer) flush() bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	n := p.out.take(time.Now(), p.q.len())
	p.batch = p.q.pop(p.batch[:0], n)
	p.mu.Unlock()
	ok := p.sendRecords(wire.TypePush, p.batch)
	clear(p.batch)
	if cap(p.batch) > 256 {
		p.batch = nil
	}
	return ok
}

// sendControl sends a pending GET_RECORDS and a pending answer.
func (p *Peer) sendControl() bool {
	p.mu.Lock()
	get, answer, stopped := p.sendGet, p.answer, p.stopped
	p.sendGet, p.answer = 0, 0
	p.mu.Unlock()
	if stopped {
		return false
	}
	if get > 0 {
		m, _ := wire.AppendGet(make([]byte, 0, wire.GetLen), get) // 1 <= get <= MaxRequest
		if !p.send(m) {
			return false
		}
	}
	if answer > 0 {
		return p.sendRecords(wire.TypeReply, p.sample(answer))
	}
	return true
}

// sample asks the Book for up to n records and keeps those the codec can
// carry.
func (p *Peer) sample(n int) [][]byte {
	recs := p.e.cfg.Book.Sample(n)
	recs = recs[:min(n, len(recs))]
	return slices.DeleteFunc(recs, func(r []byte) bool {
		return len(r) < record.MinSize || len(r) > record.MaxSize
	})
}

// sendRecords sends recs as messages of type t cut by wire.NextBatch; a
// reply's last message is flagged done (an empty reply is one empty done
// message).
func (p *Peer) sendRecords(t wire.Type, recs [][]byte) bool {
	buf := p.e.getBuf()
	defer p.e.putBuf(buf)
	for first := true; first || len(recs) > 0; first = false {
		if len(recs) == 0 && t == wire.TypePush {
			return true
		}
		k := wire.NextBatch(t, recs)
		var err error
		if t == wire.TypeReply {
			*buf, err = wire.AppendReply((*buf)[:0], recs[:k], k == len(recs))
		} else {
			*buf, err = wire.AppendPush((*buf)[:0], recs[:k])
		}
		if err != nil { // cannot happen: records were verified or filtered
			p.e.cfg.Logger.Error("gossip: cannot encode records", "err", err)
			return true
		}
		if !p.send(*buf) {
			return false
		}
		p.e.st.sent.Add(uint64(k))
		recs = recs[k:]
	}
	return true
}

func (p *Peer) send(m []byte) bool {
	if err := p.s.Send(m); err != nil {
		p.e.cfg.Logger.Debug("gossip: send failed; peer stopped", "peer", p.id.Short(), "err", err)
		return false
	}
	return true
}
