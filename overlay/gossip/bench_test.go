package gossip

import (
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// nullBook finds every record stale: nothing is stored or forwarded, so
// the benchmark measures receiving (parse, hash, verify, offer).
type nullBook struct{}

func (nullBook) Offer(*record.Record, []byte, identity.NodeID) Verdict { return Stale }
func (nullBook) Sample(int) [][]byte                                   { return nil }

func benchEngine(b *testing.B, seen int) (*Engine, *Peer, [][]byte) {
	const perMsg, msgs = 64, 16
	recs := records(b, 500, perMsg*msgs, time.Now())
	m := make([][]byte, msgs)
	for i := range m {
		m[i] = push(b, recs[i*perMsg:(i+1)*perMsg]...)
	}
	e := New(Config{
		NetworkID: testNet, Book: nullBook{}, RequestOnAttach: -1,
		SeenCacheSize: seen, PushRate: 1 << 30, PushBurst: 1 << 30,
	})
	b.Cleanup(e.Close)
	return e, e.Attach(identity.NodeID{1}, &capture{}), m
}

// BenchmarkHandlePush: new records, each verified (the seen cache is too
// small to hit).
func BenchmarkHandlePush(b *testing.B) {
	e, p, msgs := benchEngine(b, 2)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Handle(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	s := e.Stats()
	if s.Duplicate != 0 || s.Stale != s.Received {
		b.Fatalf("%+v", s)
	}
	b.ReportMetric(float64(s.Received)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkHandleDuplicate: records already seen (hash only).
func BenchmarkHandleDuplicate(b *testing.B) {
	e, p, msgs := benchEngine(b, 1<<16)
	for _, m := range msgs {
		if err := p.Handle(m); err != nil {
			b.Fatal(err)
		}
	}
	before := e.Stats().Received
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Handle(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	s := e.Stats()
	b.ReportMetric(float64(s.Received-before)/b.Elapsed().Seconds(), "records/s")
}
