package store

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"
)

// queueLen is how many WriteGrouped writes wait for a batch.
func queueLen(db *DB) int {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.queue)
}

func waitQueue(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for queueLen(db) < n {
		if time.Now().After(deadline) {
			t.Fatalf("queue never reached %d", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupedCancelledWriteFailsAlone: the group contract says a
// write that fails rolls back its own changes only. A grouped write whose
// caller's context ends while one of its statements runs (the messenger
// passes a fetcher's ctx into its fn) is interrupted by the driver
// (sqlite3_interrupt), and SQLite rolls back the WHOLE transaction for an
// interrupted write statement: the writes batched with it, from other
// callers, fail too (and riders are lost with them).
func TestGroupedCancelledWriteFailsAlone(t *testing.T) {
	db, _ := openTest(t)
	bg := context.Background()
	insert := func(key string) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.ExecContext(bg, `INSERT INTO meta(key, value) VALUES(?, x'01')`, key)
			return err
		}
	}
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the leader: its batch is itself alone, the rest queue behind it
		_ = db.WriteGrouped(bg, func(tx *sql.Tx) error { <-release; return insert("lead")(tx) })
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		db.group.mu.Lock()
		taken := db.group.active && len(db.group.queue) == 0
		db.group.mu.Unlock()
		if taken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the leader never took its batch")
		}
	}
	var errA, errB, errC error
	var riderErr error
	riderDone := make(chan struct{})
	db.WriteLater(insert("rider"), func(err error) { riderErr = err; close(riderDone) })
	wg.Go(func() { errA = db.WriteGrouped(bg, insert("a")) })
	waitQueue(t, db, 1)
	cctx, cancel := context.WithCancel(bg)
	defer cancel()
	wg.Go(func() {
		errB = db.WriteGrouped(bg, func(tx *sql.Tx) error {
			time.AfterFunc(50*time.Millisecond, cancel) // the caller gives up meanwhile
			_, err := tx.ExecContext(cctx, `INSERT INTO meta(key, value)
				WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 3000000)
				SELECT 'b/' || i, x'01' FROM k`)
			return err
		})
	})
	waitQueue(t, db, 2)
	wg.Go(func() { errC = db.WriteGrouped(bg, insert("c")) })
	waitQueue(t, db, 3)
	close(release)
	wg.Wait()
	<-riderDone
	t.Logf("a: %v; b: %v; c: %v; rider: %v", errA, errB, errC, riderErr)
	if errB == nil {
		t.Fatal("the long statement finished before the cancel: make it longer")
	}
	for _, k := range []struct {
		name string
		err  error
	}{{"a", errA}, {"c", errC}, {"rider", riderErr}} {
		if k.err != nil {
			t.Errorf("write %s, batched with a cancelled one, failed: %v", k.name, k.err)
		}
		if _, ok, err := db.GetMeta(bg, k.name); err != nil || !ok {
			t.Errorf("write %s not stored (%v)", k.name, err)
		}
	}
	if _, ok, _ := db.GetMeta(bg, "b/0"); ok {
		t.Error("the cancelled write left rows behind")
	}
}
