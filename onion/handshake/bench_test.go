package handshake

import (
	"crypto/rand"
	"runtime"
	"testing"
	"time"
)

// benchEnv is a relay whose cache never fills or expires during a run.
func benchEnv(b *testing.B) *env {
	return newEnv(b, func(c *ServerConfig) { c.MaxEntries = 1 << 30 })
}

// BenchmarkHandshake is one whole handshake, both sides.
func BenchmarkHandshake(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		c, msg := e.client(b, t0)
		reply, _, _, err := e.srv.Respond(msg, keyLen)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Finish(reply, keyLen); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b)
}

// BenchmarkClient is the client's share: NewClient and Finish (the
// relay's Respond in between is not timed).
func BenchmarkClient(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		c, msg, err := NewClient(testNet, pub(e.cur), testEpoch, t0, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		reply, _, _, err := e.srv.Respond(msg, keyLen)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := c.Finish(reply, keyLen); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b)
}

// BenchmarkRespond is the relay's share, replay cache included.
func BenchmarkRespond(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		_, msg := e.client(b, t0)
		b.StartTimer()
		if _, _, _, err := e.srv.Respond(msg, keyLen); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b)
}

// BenchmarkRespondRefused is the cost of refusing junk of the right length
// (one DH: the relay must decrypt to know).
func BenchmarkRespondRefused(b *testing.B) {
	e := benchEnv(b)
	_, msg := e.client(b, t0)
	junk := flip(msg, offTag, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := e.srv.Respond(junk, keyLen); err != ErrDecrypt {
			b.Fatal(err)
		}
	}
	perSecond(b)
}

// BenchmarkRespondParallel runs Respond on all cores against one Server.
func BenchmarkRespondParallel(b *testing.B) {
	e := benchEnv(b)
	const pool = 4096
	msgs := make([][]byte, pool)
	for i := range msgs {
		_, msgs[i] = e.client(b, t0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			// After the first pass over the pool every message is a
			// replay; refusing one costs the same DH as accepting one
			// minus the reply, so this bounds contention, not throughput.
			e.srv.Respond(msgs[i%pool], keyLen)
			i++
		}
	})
}

func perSecond(b *testing.B) {
	if ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N); ns > 0 {
		b.ReportMetric(1e9/ns, "ops/s")
	}
}

// BenchmarkCacheAdmit is the replay cache alone: keyed hash, sweep and
// insertion, with a steady state of 2^16 live entries.
func BenchmarkCacheAdmit(b *testing.B) {
	c := &replayCache{max: 1 << 30, window: 1 << 16}
	eph := make([]byte, 32)
	var now int64 = 1 << 20
	b.ReportAllocs()
	for b.Loop() {
		rand.Read(eph)
		now++
		if err := c.admit(c.key(1, eph), now, now); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReplayCacheMemory measures the heap a full cache takes, per entry.
func TestReplayCacheMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 2^18-entry cache")
	}
	for _, n := range []int{1 << 12, 1 << 16, 1<<16 + 1, DefaultMaxEntries} {
		per := cacheBytesPerEntry(n)
		t.Logf("%d entries: %.1f bytes/entry, %.1f MiB", n, per, per*float64(n)/(1<<20))
		if per > 128 {
			t.Errorf("%d entries: %.1f bytes/entry, want <= 128", n, per)
		}
	}
}

func cacheBytesPerEntry(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := &replayCache{max: n, window: 300}
	eph := make([]byte, 32)
	now := time.Now().Unix()
	for range n {
		rand.Read(eph)
		if err := c.admit(c.key(1, eph), now, now); err != nil {
			panic(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
