package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
)

var mbLim = MailboxLimits{QueueMsgs: 3, QueueBytes: 1 << 20, TotalBytes: 1 << 30}

func mbEnv(b byte) []byte { return bytes.Repeat([]byte{b}, 100) }

func mbCreate(t *testing.T, db *DB, q byte) ([16]byte, [32]byte) {
	t.Helper()
	id, auth := [16]byte{q}, [32]byte{q, 0xaa}
	if err := db.MailboxCreate(context.Background(), id, auth, 1000, 100); err != nil {
		t.Fatalf("MailboxCreate: %v", err)
	}
	return id, auth
}

func mbDeposit(t *testing.T, db *DB, lim MailboxLimits, ds ...MailboxDeposit) []DepositResult {
	t.Helper()
	r, err := db.MailboxDeposit(context.Background(), ds, lim)
	if err != nil {
		t.Fatalf("MailboxDeposit: %v", err)
	}
	return r
}

func dep(q [16]byte, id byte, expires int64) MailboxDeposit {
	return MailboxDeposit{Queue: q, ID: [16]byte{id}, Envelope: mbEnv(id), Expires: expires}
}

func fetchAll(t *testing.T, db *DB, q [16]byte, auth [32]byte, now int64) []MailboxMsg {
	t.Helper()
	m, err := db.MailboxFetch(context.Background(), MailboxFetchReq{Queue: q, Auth: auth, Max: 100, Budget: 1 << 20, Now: now, TouchAfter: 3600})
	if err != nil {
		t.Fatalf("MailboxFetch: %v", err)
	}
	return m
}

func ids(ms []MailboxMsg) []byte {
	var out []byte
	for _, m := range ms {
		out = append(out, m.ID[0])
	}
	return out
}

func wantTotals(t *testing.T, db *DB, want MailboxTotals) {
	t.Helper()
	got, err := db.MailboxTotals(context.Background())
	if err != nil || got != want {
		t.Fatalf("totals %+v, %v; want %+v", got, err, want)
	}
}

func TestMailboxLifecycle(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	q, auth := mbCreate(t, db, 1)
	got := mbDeposit(t, db, mbLim, dep(q, 3, 9999), dep(q, 2, 9999), dep(q, 3, 9999), dep([16]byte{9}, 4, 9999))
	if want := []DepositResult{DepositStored, DepositStored, DepositDuplicate, DepositNoQueue}; !equalResults(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	wantTotals(t, db, MailboxTotals{Queues: 1, Msgs: 2, Bytes: 200})
	ms := fetchAll(t, db, q, auth, 2000)
	if string(ids(ms)) != "\x03\x02" || !bytes.Equal(ms[0].Envelope, mbEnv(3)) {
		t.Fatalf("fetched %v", ids(ms))
	}
	if n, err := db.MailboxAck(ctx, q, auth, [][16]byte{{3}, {77}}); err != nil || n != 1 {
		t.Fatalf("ack: %d, %v", n, err)
	}
	// The acked envelope is tombstoned: depositing it again stores nothing.
	if r := mbDeposit(t, db, mbLim, dep(q, 3, 9999)); r[0] != DepositDuplicate {
		t.Fatalf("re-deposit after ack: %v", r)
	}
	if ms := fetchAll(t, db, q, auth, 2000); string(ids(ms)) != "\x02" {
		t.Fatalf("after ack: %v", ids(ms))
	}
	wantTotals(t, db, MailboxTotals{Queues: 1, Msgs: 1, Bytes: 100})
	if err := db.MailboxDeleteQueue(ctx, q, auth); err != nil {
		t.Fatal(err)
	}
	wantTotals(t, db, MailboxTotals{})
	if r := mbDeposit(t, db, mbLim, dep(q, 5, 9999)); r[0] != DepositNoQueue {
		t.Fatalf("deposit to deleted queue: %v", r)
	}
	if n := countRows(t, db, "mbox_tomb"); n != 0 {
		t.Fatalf("%d tombstones left after delete", n)
	}
}

func equalResults(a, b []DepositResult) bool { return string(toBytes(a)) == string(toBytes(b)) }

func toBytes(rs []DepositResult) []byte {
	out := make([]byte, len(rs))
	for i, r := range rs {
		out[i] = byte(r)
	}
	return out
}

func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMailboxWrongAuth(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	q, auth := mbCreate(t, db, 1)
	mbDeposit(t, db, mbLim, dep(q, 1, 9999))
	bad := auth
	bad[31] ^= 1
	_, err := db.MailboxFetch(ctx, MailboxFetchReq{Queue: q, Auth: bad, Max: 1, Budget: 1000})
	if !errors.Is(err, ErrMailboxNoQueue) {
		t.Errorf("fetch with wrong auth: %v", err)
	}
	if _, err := db.MailboxAck(ctx, q, bad, [][16]byte{{1}}); !errors.Is(err, ErrMailboxNoQueue) {
		t.Errorf("ack with wrong auth: %v", err)
	}
	if err := db.MailboxDeleteQueue(ctx, q, bad); !errors.Is(err, ErrMailboxNoQueue) {
		t.Errorf("delete with wrong auth: %v", err)
	}
	if err := db.MailboxDeleteQueue(ctx, [16]byte{2}, auth); !errors.Is(err, ErrMailboxNoQueue) {
		t.Errorf("delete of missing queue: %v", err)
	}
	wantTotals(t, db, MailboxTotals{Queues: 1, Msgs: 1, Bytes: 100})
}

func TestMailboxQuotas(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	q, _ := mbCreate(t, db, 1)
	r := mbDeposit(t, db, mbLim, dep(q, 1, 9), dep(q, 2, 9), dep(q, 3, 9), dep(q, 4, 9), dep(q, 1, 9))
	if want := []DepositResult{DepositStored, DepositStored, DepositStored, DepositQueueFull, DepositDuplicate}; !equalResults(r, want) {
		t.Fatalf("message quota: %v", r)
	}
	q2, _ := mbCreate(t, db, 2)
	lim := MailboxLimits{QueueMsgs: 100, QueueBytes: 250, TotalBytes: 1 << 30}
	if r := mbDeposit(t, db, lim, dep(q2, 1, 9), dep(q2, 2, 9), dep(q2, 3, 9)); r[2] != DepositQueueFull || r[1] != DepositStored {
		t.Fatalf("byte quota: %v", r)
	}
	lim = MailboxLimits{QueueMsgs: 100, QueueBytes: 1 << 20, TotalBytes: 600}
	if r := mbDeposit(t, db, lim, dep(q2, 7, 9), dep(q2, 8, 9)); r[0] != DepositStored || r[1] != DepositMailboxFull {
		t.Fatalf("mailbox byte quota: %v", r)
	}
	wantTotals(t, db, MailboxTotals{Queues: 2, Msgs: 6, Bytes: 600})
	if err := db.MailboxCreate(ctx, [16]byte{3}, [32]byte{}, 0, 2); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("queue quota: %v", err)
	}
	if err := db.MailboxCreate(ctx, q, [32]byte{}, 0, 100); !errors.Is(err, ErrMailboxExists) {
		t.Fatalf("ID reuse: %v", err)
	}
}

func TestMailboxFetchBounds(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	q, auth := mbCreate(t, db, 1)
	lim := MailboxLimits{QueueMsgs: 100, QueueBytes: 1 << 20, TotalBytes: 1 << 30}
	mbDeposit(t, db, lim, dep(q, 1, 5000), dep(q, 2, 3000), dep(q, 3, 5000), dep(q, 4, 5000))
	fetch := func(max, budget int, now int64) []byte {
		m, err := db.MailboxFetch(ctx, MailboxFetchReq{Queue: q, Auth: auth, Max: max, Budget: budget, Overhead: 18, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return ids(m)
	}
	if got := fetch(2, 10000, 0); string(got) != "\x01\x02" {
		t.Errorf("max 2: %v", got)
	}
	if got := fetch(10, 3*118-1, 0); string(got) != "\x01\x02" {
		t.Errorf("budget for 2.99: %v", got)
	}
	if got := fetch(10, 117, 0); len(got) != 0 {
		t.Errorf("budget below one: %v", got)
	}
	if got := fetch(10, 10000, 3000); string(got) != "\x01\x03\x04" {
		t.Errorf("expired shown: %v", got)
	}
	for _, bad := range []MailboxFetchReq{{Max: 0}, {Max: MaxMailboxBatch + 1}} {
		if _, err := db.MailboxFetch(ctx, bad); !errors.Is(err, ErrMailboxInvalid) {
			t.Errorf("max %d: %v", bad.Max, err)
		}
	}
}

func TestMailboxSweep(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	lim := MailboxLimits{QueueMsgs: 100, QueueBytes: 1 << 20, TotalBytes: 1 << 30}
	q, auth := mbCreate(t, db, 1) // idle clock starts at 1000
	mbDeposit(t, db, lim, dep(q, 1, 5000), dep(q, 2, 5000), dep(q, 3, 8000))
	if _, err := db.MailboxAck(ctx, q, auth, [][16]byte{{1}}); err != nil {
		t.Fatal(err)
	}
	idle, _ := mbCreate(t, db, 2)
	mbDeposit(t, db, lim, dep(idle, 9, 99999))
	fetchAll(t, db, q, auth, 4700) // restarts q's idle clock (TouchAfter 3600)
	s, err := db.MailboxSweep(ctx, 5000, 2000, 1)
	if err != nil || s != (MailboxSwept{Msgs: 1, Tombs: 1, Queues: 1}) || s.Done(1) {
		t.Fatalf("sweep 1: %+v, %v", s, err)
	}
	s, err = db.MailboxSweep(ctx, 5000, 2000, 10)
	if err != nil || s != (MailboxSwept{}) || !s.Done(10) {
		t.Fatalf("sweep 2: %+v, %v", s, err)
	}
	wantTotals(t, db, MailboxTotals{Queues: 1, Msgs: 1, Bytes: 100})
	if r := mbDeposit(t, db, lim, dep(q, 1, 9999)); r[0] != DepositStored {
		t.Fatalf("deposit after tombstone expired: %v", r)
	}
	if ms := fetchAll(t, db, q, auth, 5000); string(ids(ms)) != "\x03\x01" {
		t.Fatalf("after sweep: %v", ids(ms))
	}
}

func TestMailboxDurable(t *testing.T) {
	dir := testDir(t)
	db := openAt(t, dir)
	q, auth := mbCreate(t, db, 1)
	mbDeposit(t, db, mbLim, dep(q, 1, 9999))
	db.Close()
	db = openAt(t, dir)
	if ms := fetchAll(t, db, q, auth, 0); string(ids(ms)) != "\x01" {
		t.Fatalf("after reopen: %v", ids(ms))
	}
}

func TestMailboxSchemaChecks(t *testing.T) {
	db, _ := openTest(t)
	mbCreate(t, db, 1)
	for _, q := range []string{
		`INSERT INTO mbox_queue VALUES (x'00', zeroblob(32), 0, 0, 0)`,
		`INSERT INTO mbox_queue VALUES (zeroblob(16), zeroblob(31), 0, 0, 0)`,
		`INSERT INTO mbox_msg(queue_id, msg_id, envelope, expires) VALUES (x'01000000000000000000000000000000', zeroblob(15), x'00', 0)`,
		`INSERT INTO mbox_msg(queue_id, msg_id, envelope, expires) VALUES (x'01000000000000000000000000000000', zeroblob(16), x'', 0)`,
		`INSERT INTO mbox_msg(queue_id, msg_id, envelope, expires) VALUES (zeroblob(16), zeroblob(16), x'00', 0)`,
		`INSERT INTO mbox_total VALUES (2, 0, 0, 0)`,
	} {
		err := db.Write(context.Background(), func(tx *sql.Tx) error { _, err := tx.Exec(q); return err })
		if err == nil {
			t.Errorf("accepted: %s", q)
		}
	}
}

// MailboxCommit applies acks before deposits in one transaction; an ack
// with a wrong auth hash is refused alone.
func TestMailboxCommit(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	q, auth := mbCreate(t, db, 1)
	q2, _ := mbCreate(t, db, 2)
	mbDeposit(t, db, mbLim, dep(q, 1, 9999), dep(q, 2, 9999), dep(q, 3, 9999))
	bad := auth
	bad[0] ^= 1
	acks := []MailboxAcks{
		{Queue: q, Auth: auth, IDs: [][16]byte{{1}, {2}, {9}}},
		{Queue: q, Auth: bad, IDs: [][16]byte{{3}}},
	}
	// The queue was full (3 messages): the acks make room for 4 first,
	// and 1, acked in the same transaction, is a duplicate.
	rs, ackErrs, err := db.MailboxCommit(ctx, acks, []MailboxDeposit{dep(q, 4, 9999), dep(q, 1, 9999), dep(q2, 5, 9999)}, mbLim)
	if err != nil {
		t.Fatalf("MailboxCommit: %v", err)
	}
	if ackErrs[0] != nil || !errors.Is(ackErrs[1], ErrMailboxNoQueue) {
		t.Fatalf("ack errors %v", ackErrs)
	}
	if rs[0] != DepositStored || rs[1] != DepositDuplicate || rs[2] != DepositStored {
		t.Fatalf("deposit results %v", rs)
	}
	if got := ids(fetchAll(t, db, q, auth, 1000)); !bytes.Equal(got, []byte{3, 4}) {
		t.Fatalf("queue holds %v, want [3 4]", got)
	}
	if _, _, err := db.MailboxCommit(ctx, nil, make([]MailboxDeposit, MaxMailboxBatch+1), mbLim); !errors.Is(err, ErrMailboxInvalid) {
		t.Fatalf("oversize batch: %v", err)
	}
}

// BenchmarkMailboxAck: deposit 32 messages in one transaction, then ack
// them in another (what a mailbox does for a busy queue's batch).
func BenchmarkMailboxAck(b *testing.B) {
	db, _ := openTest(b)
	ctx := context.Background()
	q, auth := [16]byte{1}, [32]byte{1}
	if err := db.MailboxCreate(ctx, q, auth, 1000, 100); err != nil {
		b.Fatal(err)
	}
	lim := MailboxLimits{QueueMsgs: 1 << 20, QueueBytes: 1 << 40, TotalBytes: 1 << 40}
	deps := make([]MailboxDeposit, 32)
	ids := make([][16]byte, len(deps))
	env := make([]byte, 940)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range deps {
			ids[j] = [16]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(j)}
			deps[j] = MailboxDeposit{Queue: q, ID: ids[j], Envelope: env, Expires: 1 << 40}
		}
		if _, err := db.MailboxDeposit(ctx, deps, lim); err != nil {
			b.Fatal(err)
		}
		if n, err := db.MailboxAck(ctx, q, auth, ids); err != nil || n != len(ids) {
			b.Fatalf("ack: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*len(deps))/b.Elapsed().Seconds(), "msgs/s")
}
