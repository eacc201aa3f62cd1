package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"testing"
	"time"
)

func peerRow(i int, tm int64) PeerRow {
	id := sha256.Sum256([]byte{byte(i), byte(i >> 8), 'n'})
	return PeerRow{
		NodeID:      id,
		Record:      bytes.Repeat([]byte{byte(i)}, 200+i%50),
		Source:      sha256.Sum256([]byte{byte(i % 3), 's'}),
		Tried:       i%2 == 0,
		Anchor:      i == 3,
		Attempts:    i % 5,
		LastTry:     tm + int64(i)*int64(time.Second),
		LastSuccess: tm + int64(i),
		LastSeen:    0,
		Added:       tm,
	}
}

func equalRows(a, b PeerRow) bool {
	return a.NodeID == b.NodeID && bytes.Equal(a.Record, b.Record) && a.Source == b.Source &&
		a.Tried == b.Tried && a.Anchor == b.Anchor && a.Attempts == b.Attempts &&
		a.LastTry == b.LastTry && a.LastSuccess == b.LastSuccess &&
		a.LastSeen == b.LastSeen && a.Added == b.Added
}

func loadByID(t *testing.T, db *DB) map[[32]byte]PeerRow {
	t.Helper()
	rows, err := db.LoadPeers(context.Background())
	if err != nil {
		t.Fatalf("LoadPeers: %v", err)
	}
	out := map[[32]byte]PeerRow{}
	for i, r := range rows {
		if i > 0 && bytes.Compare(rows[i-1].NodeID[:], r.NodeID[:]) >= 0 {
			t.Fatal("rows not ordered by node ID")
		}
		out[r.NodeID] = r
	}
	return out
}

func TestPeersRoundTrip(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	tm := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC).UnixNano()
	var rows []PeerRow
	for i := range 20 {
		rows = append(rows, peerRow(i, tm))
	}
	if err := db.SavePeers(ctx, rows, nil); err != nil {
		t.Fatal(err)
	}
	// Update two, delete three (one of them never stored), in one call.
	rows[0].Attempts, rows[0].Tried, rows[0].Record = 4, false, []byte("new record")
	rows[1].LastSeen = tm + int64(time.Hour)
	gone := [][32]byte{rows[5].NodeID, rows[6].NodeID, {0xee}}
	if err := db.SavePeers(ctx, rows[:2], gone); err != nil {
		t.Fatal(err)
	}
	db.Close()
	got := loadByID(t, openAt(t, dir))
	if len(got) != 18 {
		t.Fatalf("loaded %d rows, want 18", len(got))
	}
	for i, want := range rows {
		r, ok := got[want.NodeID]
		if i == 5 || i == 6 {
			if ok {
				t.Errorf("row %d not deleted", i)
			}
			continue
		}
		if !ok || !equalRows(r, want) {
			t.Errorf("row %d: got %+v, want %+v", i, r, want)
		}
	}
}

func TestPeersRejectBadRows(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	ok := peerRow(1, time.Now().UnixNano())
	for name, tc := range map[string]struct {
		mut  func(*PeerRow)
		want error
	}{
		"empty record":      {func(r *PeerRow) { r.Record = nil }, ErrInvalidPeer},
		"negative attempts": {func(r *PeerRow) { r.Attempts = -1 }, ErrInvalidPeer},
		"record too long":   {func(r *PeerRow) { r.Record = make([]byte, MaxPeerRecordLen+1) }, ErrTooLarge},
	} {
		bad := ok
		tc.mut(&bad)
		if err := db.SavePeers(ctx, []PeerRow{ok, bad}, nil); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	if n := len(loadByID(t, db)); n != 0 {
		t.Fatalf("a refused batch saved %d rows", n)
	}
	ok.Record = make([]byte, MaxPeerRecordLen) // the schema's limit matches
	if err := db.SavePeers(ctx, []PeerRow{ok}, nil); err != nil {
		t.Fatalf("record of MaxPeerRecordLen: %v", err)
	}
	if err := db.SavePeers(ctx, make([]PeerRow, MaxPeers+1), nil); !errors.Is(err, ErrTooManyPeers) {
		t.Errorf("oversized batch: %v", err)
	}
}

// fillPeers inserts n rows with distinct IDs directly.
func fillPeers(t *testing.T, db *DB, n int) {
	t.Helper()
	exec(t, db, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
		INSERT INTO peer SELECT CAST(printf('%032d', x) AS BLOB), x'01', zeroblob(32), 0, 0, 0, 0, 0, 0, 0 FROM c`, n)
}

// TestPeersBound: the table never grows past MaxPeers through SavePeers,
// and LoadPeers refuses a table that did by other means.
func TestPeersBound(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	fillPeers(t, db, MaxPeers-1)
	last := peerRow(1, time.Now().UnixNano())
	if err := db.SavePeers(ctx, []PeerRow{last}, nil); err != nil {
		t.Fatalf("filling the last row: %v", err)
	}
	rows, err := db.LoadPeers(ctx)
	if err != nil || len(rows) != MaxPeers {
		t.Fatalf("LoadPeers of a full table: %d rows, %v", len(rows), err)
	}
	extra := peerRow(2, time.Now().UnixNano())
	if err := db.SavePeers(ctx, []PeerRow{extra}, [][32]byte{last.NodeID}); err != nil {
		t.Fatalf("replacing a row in a full table: %v", err)
	}
	if err := db.SavePeers(ctx, []PeerRow{last}, nil); !errors.Is(err, ErrTooManyPeers) {
		t.Fatalf("row past MaxPeers: %v", err)
	}
	got := loadByID(t, db)
	if _, ok := got[last.NodeID]; ok || len(got) != MaxPeers {
		t.Fatalf("refused save changed the table (%d rows)", len(got))
	}
	exec(t, db, `INSERT INTO peer VALUES (zeroblob(32), x'01', zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`)
	if _, err := db.LoadPeers(ctx); !errors.Is(err, ErrTooManyPeers) {
		t.Fatalf("LoadPeers of MaxPeers+1 rows: %v", err)
	}
}

// TestPeersSchemaChecks: the table itself refuses malformed rows, and
// LoadPeers refuses one that got in with the checks off.
func TestPeersSchemaChecks(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO peer VALUES (zeroblob(31), x'01', zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO peer VALUES ('0123456789abcdef0123456789abcdef', x'01', zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO peer VALUES (zeroblob(32), zeroblob(1025), zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO peer VALUES (zeroblob(32), x'', zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO peer VALUES (zeroblob(32), x'01', zeroblob(32), 2, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO peer VALUES (zeroblob(32), x'01', zeroblob(32), 0, 0, -1, 0, 0, 0, 0)`,
	} {
		err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q); return err })
		if err == nil {
			t.Errorf("schema accepted: %s", q)
		}
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`PRAGMA ignore_check_constraints = ON`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO peer VALUES (zeroblob(31), x'01', zeroblob(32), 0, 0, 0, 0, 0, 0, 0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadPeers(ctx); !errors.Is(err, ErrCorruptPeer) {
		t.Fatalf("LoadPeers of a corrupt row: %v", err)
	}
}
