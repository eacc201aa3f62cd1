package gossip

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/link"
	"github.com/warrennet/warren/overlay/record"
	"go.uber.org/goleak"
)

var _ Sender = (*link.Link)(nil)

// A ring with one chord: every node's record reaches every node, each
// record is verified exactly once per node, and nothing is dropped.
func TestRingSpreadsEveryRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 8
		nodes := make([]*node, n)
		for i := range nodes {
			nodes[i] = newNode(t, i, nil)
		}
		var links []*memLink
		for i := range nodes {
			links = append(links, connect(nodes[i], nodes[(i+1)%n]))
		}
		links = append(links, connect(nodes[0], nodes[n/2]))
		raws := make([][]byte, n)
		for i, nd := range nodes {
			raws[i] = recordFor(t, nd.kr, testNet, time.Now(), 0)
			if err := nd.e.Publish(raws[i]); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		for i, nd := range nodes {
			if nd.book.len() != n {
				t.Errorf("node %d holds %d records, want %d", i, nd.book.len(), n)
			}
			for j, raw := range raws {
				if !nd.book.has(raw) {
					t.Errorf("node %d lacks record %d", i, j)
				}
				if c := nd.vc.count(raw); c != 1 {
					t.Errorf("node %d verified record %d %d times", i, j, c)
				}
			}
			s := nd.e.Stats()
			checkBalance(t, s)
			if s.Stored != n-1 || s.RateLimited+s.QueueDropped+s.Disconnected+s.Malformed+s.BadSignature+s.Expired != 0 {
				t.Errorf("node %d: %+v", i, s)
			}
		}
		shutdown(t, links, nodes)
	})
}

// shutdown closes links, then engines, and fails on any link error.
func shutdown(t *testing.T, links []*memLink, nodes []*node) {
	t.Helper()
	for _, l := range links {
		if errs := l.shutdown(); len(errs) > 0 {
			t.Errorf("link closed by a violation: %v", errs)
		}
	}
	for _, nd := range nodes {
		nd.e.Close()
	}
}

// A node that joins late learns the existing records from its
// GET_RECORDS, not from pushes.
func TestLateJoinerLearnsByRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nodes := []*node{newNode(t, 0, nil), newNode(t, 1, nil), newNode(t, 2, nil)}
		links := []*memLink{connect(nodes[0], nodes[1]), connect(nodes[1], nodes[2])}
		for _, nd := range nodes {
			if err := nd.e.Publish(recordFor(t, nd.kr, testNet, time.Now(), 0)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Second)
		synctest.Wait()
		late := newNode(t, 3, nil)
		before := nodes[2].e.Stats().Requests
		links = append(links, connect(late, nodes[2]))
		time.Sleep(time.Second)
		synctest.Wait()
		s := late.e.Stats()
		if late.book.len() != 3 || s.Stored != 3 || s.Replies == 0 || s.RateLimited != 0 {
			t.Errorf("late joiner holds %d records: %+v", late.book.len(), s)
		}
		if got := nodes[2].e.Stats().Requests - before; got != 1 {
			t.Errorf("node 2 answered %d requests, want 1", got)
		}
		shutdown(t, links, append(nodes, late))
	})
}

func TestPublish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nd := newNode(t, 0, noRequest)
		c := &capture{}
		nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), c)
		own := recordFor(t, nd.kr, testNet, time.Now(), 0)
		if err := nd.e.Publish(own); err != nil {
			t.Fatal(err)
		}
		nd.book.self, nd.book.refuseSelf = nd.id(), true
		newer := recordFor(t, nd.kr, testNet, time.Now().Add(time.Second), 0)
		if err := nd.e.Publish(newer); err != nil {
			t.Fatalf("publishing a record the book refuses: %v", err)
		}
		other := recordFor(t, keyring(t, 2, time.Now()), testNet, time.Now(), 0)
		if err := nd.e.Publish(other); !errors.Is(err, ErrNotOwn) {
			t.Fatalf("publishing another node's record: %v", err)
		}
		foreign := recordFor(t, nd.kr, otherNet, time.Now(), 0)
		if err := nd.e.Publish(foreign); !errors.Is(err, record.ErrBadSignature) {
			t.Fatalf("publishing for another network: %v", err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := c.pushed(t); len(got) != 2 || string(got[0]) != string(own) || string(got[1]) != string(newer) {
			t.Fatalf("peer got %d records, want our two", len(got))
		}
		nd.e.Close()
		if err := nd.e.Publish(own); !errors.Is(err, ErrClosed) {
			t.Fatalf("Publish after Close: %v", err)
		}
	})
}

// A record is never sent back to the peer it came from, nor to its own
// node; a NotStored record is still forwarded, a Stale one is not.
func TestForwardingRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nd := newNode(t, 0, noRequest)
		nd.book.cap = 1
		now := time.Now()
		subjectKR, otherKR := keyring(t, 1, now), keyring(t, 2, now)
		src, subject, other := &capture{}, &capture{}, &capture{}
		ps := nd.e.Attach(keyring(t, 3, now).NodeID(), src)
		nd.e.Attach(subjectKR.NodeID(), subject)
		nd.e.Attach(otherKR.NodeID(), other)
		stored := recordFor(t, subjectKR, testNet, now, 0)
		notStored := recordFor(t, otherKR, testNet, now, 0) // the book is full
		stale := recordFor(t, subjectKR, testNet, now.Add(-time.Second), 0)
		for _, r := range [][]byte{stored, notStored, stale} {
			if err := ps.Handle(push(t, r)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		s := nd.e.Stats()
		if s.Stored != 1 || s.NotStored != 1 || s.Stale != 1 {
			t.Fatalf("%+v", s)
		}
		if n := len(src.pushed(t)); n != 0 {
			t.Errorf("source got %d records back", n)
		}
		if got := subject.pushed(t); len(got) != 1 || string(got[0]) != string(notStored) {
			t.Errorf("subject got %d records, want only the other node's", len(got))
		}
		if got := other.pushed(t); len(got) != 1 || string(got[0]) != string(stored) {
			t.Errorf("other got %d records, want only the subject's", len(got))
		}
		if s.Forwarded != 2 || s.Sent != 2 {
			t.Errorf("Forwarded %d, Sent %d, want 2 and 2", s.Forwarded, s.Sent)
		}
		nd.e.Close()
	})
}

// GET_RECORDS is answered with the Book's sample, split into replies, the
// last flagged done; an empty book gives one empty done reply.
func TestAnswerRequest(t *testing.T) {
	for _, have := range []int{0, 3, 320} {
		t.Run(fmt.Sprint(have), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				nd := newNode(t, 0, noRequest)
				for _, r := range records(t, 10, have, time.Now()) {
					rec, _ := record.Unmarshal(r)
					nd.book.Offer(rec, r, nd.id())
				}
				c := &capture{}
				p := nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), c)
				if err := p.Handle([]byte{byte(wire.TypeGet), 0x01, 0x2c}); err != nil { // 300
					t.Fatal(err)
				}
				synctest.Wait()
				if got, want := len(c.records(t, wire.TypeReply)), min(have, 300); got != want {
					t.Fatalf("replied with %d records, want %d", got, want)
				}
				c.mu.Lock()
				last := c.msgs[len(c.msgs)-1]
				c.mu.Unlock()
				if _, done, _ := wire.ParseReply(last); !done {
					t.Fatal("last reply not flagged done")
				}
				nd.e.Close()
			})
		})
	}
}

func TestDetachAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nd := newNode(t, 0, nil)
		c := &capture{}
		p := nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), c)
		synctest.Wait()
		if c.count(wire.TypeGet) != 1 {
			t.Fatalf("sent %d GET_RECORDS on attach, want 1", c.count(wire.TypeGet))
		}
		p.Detach()
		p.Detach()
		if err := p.Handle(push(t, records(t, 5, 1, time.Now())[0])); !errors.Is(err, ErrDetached) {
			t.Fatalf("Handle after Detach: %v", err)
		}
		if err := nd.e.Publish(recordFor(t, nd.kr, testNet, time.Now(), 0)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if n := len(c.pushed(t)); n != 0 {
			t.Fatalf("detached peer got %d records", n)
		}
		p2 := nd.e.Attach(keyring(t, 2, time.Now()).NodeID(), &capture{})
		nd.e.Close()
		nd.e.Close()
		p2.Detach()
		late := nd.e.Attach(keyring(t, 3, time.Now()).NodeID(), &capture{})
		if err := late.Handle([]byte{byte(wire.TypeGet), 0, 1}); !errors.Is(err, ErrDetached) {
			t.Fatalf("peer attached after Close: %v", err)
		}
		late.Detach()
	})
}

// A failing Sender stops the peer's flusher; the engine keeps running.
func TestSendErrorStopsPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nd := newNode(t, 0, nil)
		p := nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), failing{})
		synctest.Wait()
		if err := p.Handle([]byte{byte(wire.TypeGet), 0, 1}); !errors.Is(err, ErrDetached) {
			t.Fatalf("Handle after the link failed: %v", err)
		}
		nd.e.mu.RLock()
		n := len(nd.e.peers)
		nd.e.mu.RUnlock()
		if n != 0 {
			t.Fatalf("%d peers still attached", n)
		}
		nd.e.Close()
	})
}

type failing struct{}

func (failing) Send([]byte) error { return errLinkClosed }

// On the real clock too: a line of engines spreads a record, and Close
// leaves no goroutine behind.
func TestRealClockNoLeak(t *testing.T) {
	fast := func(c *Config) { c.FlushInterval = 5 * time.Millisecond }
	nodes := []*node{newNode(t, 0, fast), newNode(t, 1, fast), newNode(t, 2, fast)}
	links := []*memLink{connect(nodes[0], nodes[1]), connect(nodes[1], nodes[2])}
	raw := recordFor(t, nodes[0].kr, testNet, time.Now(), 0)
	if err := nodes[0].e.Publish(raw); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !nodes[2].book.has(raw) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !nodes[2].book.has(raw) {
		t.Error("record did not cross the line")
	}
	shutdown(t, links, nodes)
	goleak.VerifyNone(t)
}
