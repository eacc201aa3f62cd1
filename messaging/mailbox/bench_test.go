package mailbox

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
)

// BenchmarkDeposit: one sender, one deposit in flight (each is its own
// durable transaction).
func BenchmarkDeposit(b *testing.B) {
	h := newHarness(b, func(c *Config) { c.QueueMsgs, c.QueueBytes = 1<<30, 1<<40 })
	c := h.client()
	q, _ := h.create(c)
	env := make([]byte, envelope.Sizes[0])
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		binary.BigEndian.PutUint64(env, uint64(i))
		mustDeposit(b, c, q, env)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDepositParallel: 16×GOMAXPROCS senders on their own streams;
// deposits that arrive together share a transaction.
func BenchmarkDepositParallel(b *testing.B) {
	h := newHarness(b, nil)
	owner := h.client()
	var next atomic.Uint64
	clients := make(chan *Client, 64)
	for range cap(clients) {
		c := h.client()
		clients <- c
	}
	queues := make([]QueueID, cap(clients))
	for i := range queues {
		queues[i], _ = h.create(owner)
	}
	b.ReportAllocs()
	b.SetParallelism(16) // 16 senders per GOMAXPROCS (32 on 2 cores)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		env := make([]byte, envelope.Sizes[0])
		for pb.Next() {
			i := next.Add(1)
			binary.BigEndian.PutUint64(env, i)
			mustDeposit(b, c, queues[i%uint64(len(queues))], env)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRoundTrip: deposit, fetch and ack of one message at a time.
func BenchmarkRoundTrip(b *testing.B) {
	h := newHarness(b, nil)
	owner, sender := h.client(), h.client()
	q, sec := h.create(owner)
	env := make([]byte, envelope.Sizes[0])
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		binary.BigEndian.PutUint64(env, uint64(i))
		mustDeposit(b, sender, q, env)
		ms := mustFetch(b, owner, q, sec, 0, 1)
		if len(ms) != 1 {
			b.Fatalf("fetched %d", len(ms))
		}
		if err := owner.Ack(ctx, q, sec, []MsgID{ms[0].ID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDepositMany: one sender pipelines 64 deposits at a time on one
// stream (what a messenger's sender does); deposits that arrive while
// earlier ones commit share the next transaction.
func BenchmarkDepositMany(b *testing.B) {
	h := newHarness(b, func(c *Config) { c.QueueMsgs, c.QueueBytes = 1<<30, 1<<40 })
	c := h.client()
	q, _ := h.create(c)
	ctx := context.Background()
	envs := make([][]byte, 64)
	for i := range envs {
		envs[i] = make([]byte, envelope.Sizes[0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		batch := envs[:min(len(envs), b.N-i)]
		for _, env := range batch {
			binary.BigEndian.PutUint64(env, uint64(i))
			i++
		}
		if n, err := c.DepositMany(ctx, q, batch); err != nil || n != len(batch) {
			b.Fatalf("DepositMany: %d of %d, %v", n, len(batch), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
