package store

import (
	"context"
	"database/sql"
	"errors"
)

// MailboxFetchReq asks for a queue's oldest messages.
type MailboxFetchReq struct {
	Queue [16]byte
	Auth  [32]byte
	// Max is the most messages returned (1..MaxMailboxBatch).
	Max int
	// Budget bounds the sum over returned messages of len(Envelope) +
	// Overhead; the first message is returned only if it fits too.
	Budget, Overhead int
	// Now (Unix seconds) hides expired messages not yet swept, and
	// restarts the queue's idle clock if it last did so TouchAfter or
	// more seconds ago (so most fetches need no write).
	Now, TouchAfter int64
}

// MailboxFetch returns the queue's oldest unexpired messages, oldest
// first, as many as fit f's bounds. A missing queue or a wrong auth hash
// is ErrMailboxNoQueue.
func (db *DB) MailboxFetch(ctx context.Context, f MailboxFetchReq) ([]MailboxMsg, error) {
	if f.Max <= 0 || f.Max > MaxMailboxBatch || f.Overhead < 0 {
		return nil, ErrMailboxInvalid
	}
	var out []MailboxMsg
	var last int64
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		if last, err = checkAuth(ctx, tx, f.Queue, f.Auth); err != nil {
			return err
		}
		out, err = selectMsgs(ctx, tx, &f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if f.Now-last >= f.TouchAfter {
		err = db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE mbox_queue SET last_fetch = ? WHERE id = ?`, f.Now, f.Queue[:])
			return err
		})
	}
	return out, err
}

func selectMsgs(ctx context.Context, tx *sql.Tx, f *MailboxFetchReq) ([]MailboxMsg, error) {
	rows, err := tx.QueryContext(ctx, `SELECT msg_id, envelope FROM mbox_msg
		WHERE queue_id = ? AND expires > ? ORDER BY seq LIMIT ?`, f.Queue[:], f.Now, f.Max)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []MailboxMsg{}
	used := 0
	for rows.Next() {
		var id, env []byte
		if err := rows.Scan(&id, &env); err != nil {
			return nil, err
		}
		if len(id) != 16 || len(env) == 0 {
			return nil, errors.New("store: mailbox message row is corrupt")
		}
		if used += len(env) + f.Overhead; used > f.Budget {
			break
		}
		out = append(out, MailboxMsg{ID: [16]byte(id), Envelope: env})
	}
	return out, rows.Err()
}

// MailboxAck deletes the named messages of a queue and keeps a tombstone
// of each until its expiry, so a retried deposit of it is a duplicate.
// Unknown IDs are ignored. It returns how many messages it deleted.
func (db *DB) MailboxAck(ctx context.Context, queue [16]byte, auth [32]byte, ids [][16]byte) (int, error) {
	if len(ids) > MaxMailboxBatch {
		return 0, ErrMailboxInvalid
	}
	a := MailboxAcks{Queue: queue, Auth: auth, IDs: ids}
	n := 0
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var refused, err error
		if n, refused, err = ackQueue(ctx, tx, &a); err != nil {
			return err
		}
		return refused
	})
	return n, err
}

// ackQueue applies a's acknowledgements: how many messages it deleted, the
// refusal (ErrMailboxNoQueue) if a names no queue it may ack, and a
// failure of the transaction.
func ackQueue(ctx context.Context, tx *sql.Tx, a *MailboxAcks) (n int, refused, err error) {
	if _, err := checkAuth(ctx, tx, a.Queue, a.Auth); errors.Is(err, ErrMailboxNoQueue) {
		return 0, err, nil
	} else if err != nil {
		return 0, nil, err
	}
	if len(a.IDs) == 0 {
		return 0, nil, nil
	}
	list := make([]byte, 0, 16*len(a.IDs))
	for _, id := range a.IDs {
		list = append(list, id[:]...)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mbox_tomb(queue_id, msg_id, expires)
		SELECT queue_id, msg_id, expires FROM mbox_msg WHERE queue_id = ?1 AND msg_id IN (`+idList+`)
		ON CONFLICT DO NOTHING`, a.Queue[:], list); err != nil {
		return 0, nil, err
	}
	n, err = execCount(ctx, tx, `DELETE FROM mbox_msg WHERE queue_id = ?1 AND msg_id IN (`+idList+`)`, a.Queue[:], list)
	return n, nil, err
}

// idList is a subquery giving the 16-byte IDs concatenated in parameter
// ?2, so a whole ack is two statements (each prepared once) whatever its
// length.
const idList = `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < length(?2) / 16)
	SELECT substr(?2, i * 16 + 1, 16) FROM k`

// MailboxDeleteQueue removes a queue, its messages and its tombstones.
func (db *DB) MailboxDeleteQueue(ctx context.Context, queue [16]byte, auth [32]byte) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := checkAuth(ctx, tx, queue, auth); err != nil {
			return err
		}
		return deleteQueue(ctx, tx, queue[:])
	})
}

func deleteQueue(ctx context.Context, tx *sql.Tx, id []byte) error {
	for _, q := range []string{
		`DELETE FROM mbox_msg WHERE queue_id = ?`,
		`DELETE FROM mbox_tomb WHERE queue_id = ?`,
		`DELETE FROM mbox_queue WHERE id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// MailboxSwept counts what one MailboxSweep removed.
type MailboxSwept struct {
	Msgs, Tombs, Queues int
}

// Done reports whether the sweep that returned s found less than limit of
// each kind, so nothing is left to sweep.
func (s MailboxSwept) Done(limit int) bool {
	return s.Msgs < limit && s.Tombs < limit && s.Queues < limit
}

// MailboxSweep removes, in one transaction, up to limit each of: messages
// and tombstones that expire at or before now, and queues (with their
// messages and tombstones) last fetched before idleBefore. Call it again
// until the result is Done(limit).
func (db *DB) MailboxSweep(ctx context.Context, now, idleBefore int64, limit int) (MailboxSwept, error) {
	if limit <= 0 || limit > MaxMailboxBatch {
		return MailboxSwept{}, ErrMailboxInvalid
	}
	var s MailboxSwept
	err := db.Write(ctx, func(tx *sql.Tx) (err error) {
		s = MailboxSwept{}
		if s.Msgs, err = execCount(ctx, tx, `DELETE FROM mbox_msg WHERE seq IN
			(SELECT seq FROM mbox_msg WHERE expires <= ? LIMIT ?)`, now, limit); err != nil {
			return err
		}
		if s.Tombs, err = execCount(ctx, tx, `DELETE FROM mbox_tomb WHERE (queue_id, msg_id) IN
			(SELECT queue_id, msg_id FROM mbox_tomb WHERE expires <= ? LIMIT ?)`, now, limit); err != nil {
			return err
		}
		s.Queues, err = sweepIdle(ctx, tx, idleBefore, limit)
		return err
	})
	return s, err
}

func execCount(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func sweepIdle(ctx context.Context, tx *sql.Tx, idleBefore int64, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM mbox_queue WHERE last_fetch < ? LIMIT ?`, idleBefore, limit)
	if err != nil {
		return 0, err
	}
	var ids [][]byte
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := deleteQueue(ctx, tx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
