package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Limits on the peer table (the address book).
const (
	// MaxPeers is the most rows LoadPeers reads and SavePeers leaves in the
	// table. It is above the address book's default capacity (81,920).
	MaxPeers = 1 << 17
	// MaxPeerRecordLen bounds one stored peer record (an encoded record is
	// at most a few hundred bytes). The schema enforces it too.
	MaxPeerRecordLen = 1024
)

// Errors of the peer table.
var (
	// ErrTooManyPeers is returned by SavePeers when the batch or the
	// resulting table would exceed MaxPeers rows (nothing is saved), and
	// by LoadPeers when the table holds more than MaxPeers rows.
	ErrTooManyPeers = errors.New("store: too many peer rows")
	// ErrInvalidPeer is returned by SavePeers for a row with an empty
	// record or negative attempts.
	ErrInvalidPeer = errors.New("store: invalid peer row")
	// ErrCorruptPeer is returned by LoadPeers for a stored row that breaks
	// the table's invariants.
	ErrCorruptPeer = errors.New("store: peer row is corrupt")
)

// PeerRow is one address-book entry, in plain fields (the store knows
// nothing of the overlay's types). Records are public data and are stored
// in the clear. Times are Unix nanoseconds, 0 meaning never.
type PeerRow struct {
	NodeID      [32]byte
	Record      []byte // the encoded peer record, 1..MaxPeerRecordLen bytes
	Source      [32]byte
	Tried       bool
	Anchor      bool
	Attempts    int
	LastTry     int64
	LastSuccess int64
	LastSeen    int64
	Added       int64
}

// SavePeers upserts the given rows and deletes the rows of removed, in one
// transaction. It refuses (ErrTooManyPeers) a batch or a result of more
// than MaxPeers rows, so LoadPeers can always read what was saved.
func (db *DB) SavePeers(ctx context.Context, upserts []PeerRow, removed [][32]byte) error {
	if len(upserts) > MaxPeers || len(removed) > MaxPeers {
		return ErrTooManyPeers
	}
	for i := range upserts {
		if err := upserts[i].check(); err != nil {
			return err
		}
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		if err := deletePeers(ctx, tx, removed); err != nil {
			return err
		}
		if err := upsertPeers(ctx, tx, upserts); err != nil {
			return err
		}
		n, err := countPeers(ctx, tx)
		if err == nil && n > MaxPeers {
			err = ErrTooManyPeers
		}
		return err
	})
}

func (r *PeerRow) check() error {
	switch {
	case len(r.Record) == 0, r.Attempts < 0:
		return ErrInvalidPeer
	case len(r.Record) > MaxPeerRecordLen:
		return ErrTooLarge
	}
	return nil
}

func deletePeers(ctx context.Context, tx *sql.Tx, ids [][32]byte) error {
	if len(ids) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `DELETE FROM peer WHERE node_id = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range ids {
		if _, err := stmt.ExecContext(ctx, id[:]); err != nil {
			return err
		}
	}
	return nil
}

func upsertPeers(ctx context.Context, tx *sql.Tx, rows []PeerRow) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx,
		`INSERT INTO peer(node_id, record, source, tried, anchor, attempts,
		                  last_try, last_success, last_seen, added)
		 VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT(node_id) DO UPDATE SET
		   record = excluded.record, source = excluded.source,
		   tried = excluded.tried, anchor = excluded.anchor,
		   attempts = excluded.attempts, last_try = excluded.last_try,
		   last_success = excluded.last_success, last_seen = excluded.last_seen,
		   added = excluded.added`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range rows {
		r := &rows[i]
		if _, err := stmt.ExecContext(ctx, r.NodeID[:], r.Record, r.Source[:], r.Tried, r.Anchor,
			r.Attempts, r.LastTry, r.LastSuccess, r.LastSeen, r.Added,
		); err != nil {
			return err
		}
	}
	return nil
}

func countPeers(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM peer`).Scan(&n)
	return n, err
}

// LoadPeers returns every stored peer row, ordered by node ID. It refuses
// a table of more than MaxPeers rows (ErrTooManyPeers) before reading any,
// and a row that breaks the table's invariants (ErrCorruptPeer).
func (db *DB) LoadPeers(ctx context.Context) ([]PeerRow, error) {
	var out []PeerRow
	err := db.Read(ctx, func(tx *sql.Tx) error {
		n, err := countPeers(ctx, tx)
		if err != nil {
			return err
		}
		if n > MaxPeers {
			return ErrTooManyPeers
		}
		out, err = selectPeers(ctx, tx, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func selectPeers(ctx context.Context, tx *sql.Tx, n int) ([]PeerRow, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT node_id, record, source, tried, anchor, attempts,
		        last_try, last_success, last_seen, added
		 FROM peer ORDER BY node_id LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]PeerRow, 0, n)
	for rows.Next() {
		r, err := scanPeer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanPeer(rows *sql.Rows) (PeerRow, error) {
	var r PeerRow
	var id, source []byte
	err := rows.Scan(&id, &r.Record, &source, &r.Tried, &r.Anchor, &r.Attempts,
		&r.LastTry, &r.LastSuccess, &r.LastSeen, &r.Added)
	if err != nil {
		return PeerRow{}, fmt.Errorf("%w: %v", ErrCorruptPeer, err)
	}
	if len(id) != 32 || len(source) != 32 || r.check() != nil {
		return PeerRow{}, ErrCorruptPeer
	}
	r.NodeID, r.Source = [32]byte(id), [32]byte(source)
	return r, nil
}
