package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
)

// schemaV3 holds a mailbox relay's queues (see mailbox.go). Only IDs,
// hashes, envelopes (ciphertext), counters and times (Unix seconds) are
// stored: nothing names an owner or a depositor. Triggers keep the
// per-queue counters and the mbox_total row equal to the mbox_msg rows.
const schemaV3 = `
CREATE TABLE mbox_queue (
	id         BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16),
	auth_hash  BLOB NOT NULL CHECK (typeof(auth_hash) = 'blob' AND length(auth_hash) = 32),
	last_fetch INTEGER NOT NULL,
	msgs       INTEGER NOT NULL CHECK (msgs >= 0),
	bytes      INTEGER NOT NULL CHECK (bytes >= 0)
) WITHOUT ROWID;
CREATE INDEX mbox_queue_idle ON mbox_queue(last_fetch);

CREATE TABLE mbox_msg (
	seq      INTEGER PRIMARY KEY,
	queue_id BLOB NOT NULL REFERENCES mbox_queue(id),
	msg_id   BLOB NOT NULL CHECK (typeof(msg_id) = 'blob' AND length(msg_id) = 16),
	envelope BLOB NOT NULL CHECK (typeof(envelope) = 'blob' AND length(envelope) BETWEEN 1 AND 65536),
	expires  INTEGER NOT NULL,
	UNIQUE (queue_id, msg_id)
);
CREATE INDEX mbox_msg_queue ON mbox_msg(queue_id, seq);
CREATE INDEX mbox_msg_expires ON mbox_msg(expires);

CREATE TABLE mbox_tomb (
	queue_id BLOB NOT NULL REFERENCES mbox_queue(id),
	msg_id   BLOB NOT NULL CHECK (typeof(msg_id) = 'blob' AND length(msg_id) = 16),
	expires  INTEGER NOT NULL,
	PRIMARY KEY (queue_id, msg_id)
) WITHOUT ROWID;
CREATE INDEX mbox_tomb_expires ON mbox_tomb(expires);

CREATE TABLE mbox_total (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	queues INTEGER NOT NULL CHECK (queues >= 0),
	msgs   INTEGER NOT NULL CHECK (msgs >= 0),
	bytes  INTEGER NOT NULL CHECK (bytes >= 0)
);
INSERT INTO mbox_total VALUES (1, 0, 0, 0);

CREATE TRIGGER mbox_msg_ins AFTER INSERT ON mbox_msg BEGIN
	UPDATE mbox_queue SET msgs = msgs + 1, bytes = bytes + length(NEW.envelope) WHERE id = NEW.queue_id;
	UPDATE mbox_total SET msgs = msgs + 1, bytes = bytes + length(NEW.envelope);
END;
CREATE TRIGGER mbox_msg_del AFTER DELETE ON mbox_msg BEGIN
	UPDATE mbox_queue SET msgs = msgs - 1, bytes = bytes - length(OLD.envelope) WHERE id = OLD.queue_id;
	UPDATE mbox_total SET msgs = msgs - 1, bytes = bytes - length(OLD.envelope);
END;
CREATE TRIGGER mbox_queue_ins AFTER INSERT ON mbox_queue BEGIN
	UPDATE mbox_total SET queues = queues + 1;
END;
CREATE TRIGGER mbox_queue_del AFTER DELETE ON mbox_queue BEGIN
	UPDATE mbox_total SET queues = queues - 1;
END;
`

// Limits of the mailbox tables.
const (
	// MaxMailboxEnvelope bounds one stored envelope (the schema too).
	MaxMailboxEnvelope = 1 << 16
	// MaxMailboxBatch bounds the deposits of one MailboxDeposit call, the
	// IDs of one MailboxAck and the messages of one MailboxFetch.
	MaxMailboxBatch = 1024
)

// Errors of the mailbox tables.
var (
	// ErrMailboxNoQueue: no such queue, or the auth hash does not match
	// (the two are not told apart).
	ErrMailboxNoQueue = errors.New("store: no such mailbox queue")
	// ErrMailboxFull: MailboxCreate would exceed the queue limit.
	ErrMailboxFull = errors.New("store: mailbox full")
	// ErrMailboxExists: MailboxCreate was given an ID in use.
	ErrMailboxExists = errors.New("store: mailbox queue ID in use")
	// ErrMailboxInvalid: an argument out of bounds (empty or oversize
	// envelope, oversize batch, non-positive limit).
	ErrMailboxInvalid = errors.New("store: invalid mailbox argument")
)

// MailboxLimits are the quotas a deposit must stay within.
type MailboxLimits struct {
	QueueMsgs  int   // messages per queue
	QueueBytes int64 // envelope bytes per queue
	TotalBytes int64 // envelope bytes in all queues
}

// MailboxDeposit is one envelope to store. Expires is Unix seconds.
type MailboxDeposit struct {
	Queue    [16]byte
	ID       [16]byte
	Envelope []byte
	Expires  int64
}

// DepositResult is what became of one deposit.
type DepositResult uint8

// Outcomes of a deposit.
const (
	DepositStored      DepositResult = iota // stored now
	DepositDuplicate                        // already stored, or acked and tombstoned: not stored again
	DepositNoQueue                          // no such queue
	DepositQueueFull                        // the queue's message or byte quota would be exceeded
	DepositMailboxFull                      // the mailbox's byte quota would be exceeded
)

// MailboxMsg is one stored envelope.
type MailboxMsg struct {
	ID       [16]byte
	Envelope []byte
}

// MailboxTotals are the current sizes of the mailbox tables.
type MailboxTotals struct {
	Queues, Msgs int
	Bytes        int64
}

// MailboxCreate adds an empty queue, refusing (ErrMailboxFull) if the
// mailbox already holds maxQueues queues and (ErrMailboxExists) an ID in
// use. now (Unix seconds) starts the queue's idle clock.
func (db *DB) MailboxCreate(ctx context.Context, id [16]byte, auth [32]byte, now int64, maxQueues int) error {
	if maxQueues <= 0 {
		return ErrMailboxInvalid
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		t, err := mailboxTotals(ctx, tx)
		if err != nil {
			return err
		}
		if t.Queues >= maxQueues {
			return ErrMailboxFull
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO mbox_queue(id, auth_hash, last_fetch, msgs, bytes)
			VALUES(?, ?, ?, 0, 0) ON CONFLICT(id) DO NOTHING`, id[:], auth[:], now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(ErrMailboxExists, err)
		}
		return nil
	})
}

// MailboxDeposit stores a batch of deposits in one durable transaction and
// returns each one's outcome, in order. A deposit whose ID is already in
// its queue, or tombstoned there, is a duplicate and changes nothing; the
// quotas are checked after that, so retrying a stored envelope into a
// full queue is still a duplicate.
func (db *DB) MailboxDeposit(ctx context.Context, deps []MailboxDeposit, lim MailboxLimits) ([]DepositResult, error) {
	if len(deps) == 0 {
		return nil, ErrMailboxInvalid
	}
	out, _, err := db.MailboxCommit(ctx, nil, deps, lim)
	return out, err
}

// MailboxAcks names messages of one queue to delete, as MailboxAck does.
type MailboxAcks struct {
	Queue [16]byte
	Auth  [32]byte
	IDs   [][16]byte
}

// MailboxCommit applies acks (as MailboxAck) and then deposits (as
// MailboxDeposit) in one durable transaction: a mailbox's group commit. It
// returns each deposit's outcome and each ack's error (nil, or
// ErrMailboxNoQueue for a missing queue or wrong auth hash, which changes
// nothing), in order; err is a failure of the whole transaction, which
// then changed nothing. At most MaxMailboxBatch acks and deposits in all.
func (db *DB) MailboxCommit(ctx context.Context, acks []MailboxAcks, deps []MailboxDeposit, lim MailboxLimits) ([]DepositResult, []error, error) {
	if len(deps)+len(acks) > MaxMailboxBatch {
		return nil, nil, ErrMailboxInvalid
	}
	for i := range deps {
		if n := len(deps[i].Envelope); n == 0 || n > MaxMailboxEnvelope {
			return nil, nil, ErrMailboxInvalid
		}
	}
	for i := range acks {
		if len(acks[i].IDs) > MaxMailboxBatch {
			return nil, nil, ErrMailboxInvalid
		}
	}
	out := make([]DepositResult, len(deps))
	ackErrs := make([]error, len(acks))
	err := db.Write(ctx, func(tx *sql.Tx) error {
		for i := range acks {
			var err error
			if _, ackErrs[i], err = ackQueue(ctx, tx, &acks[i]); err != nil {
				return err
			}
		}
		for i := range deps {
			r, err := depositOne(ctx, tx, &deps[i], lim)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, ackErrs, nil
}

func depositOne(ctx context.Context, tx *sql.Tx, d *MailboxDeposit, lim MailboxLimits) (DepositResult, error) {
	var msgs int
	var bytes int64
	err := tx.QueryRowContext(ctx, `SELECT msgs, bytes FROM mbox_queue WHERE id = ?`, d.Queue[:]).Scan(&msgs, &bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return DepositNoQueue, nil
	} else if err != nil {
		return 0, err
	}
	var dup int
	err = tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM mbox_msg WHERE queue_id = ?1 AND msg_id = ?2)
		OR EXISTS(SELECT 1 FROM mbox_tomb WHERE queue_id = ?1 AND msg_id = ?2)`, d.Queue[:], d.ID[:]).Scan(&dup)
	if err != nil || dup != 0 {
		return DepositDuplicate, err
	}
	size := int64(len(d.Envelope))
	if msgs+1 > lim.QueueMsgs || bytes+size > lim.QueueBytes {
		return DepositQueueFull, nil
	}
	t, err := mailboxTotals(ctx, tx)
	if err != nil {
		return 0, err
	}
	if t.Bytes+size > lim.TotalBytes {
		return DepositMailboxFull, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mbox_msg(queue_id, msg_id, envelope, expires) VALUES(?, ?, ?, ?)`,
		d.Queue[:], d.ID[:], d.Envelope, d.Expires)
	return DepositStored, err
}

func mailboxTotals(ctx context.Context, tx *sql.Tx) (MailboxTotals, error) {
	var t MailboxTotals
	err := tx.QueryRowContext(ctx, `SELECT queues, msgs, bytes FROM mbox_total WHERE id = 1`).
		Scan(&t.Queues, &t.Msgs, &t.Bytes)
	return t, err
}

// MailboxTotals returns the number of queues and stored messages and
// their envelope bytes.
func (db *DB) MailboxTotals(ctx context.Context) (MailboxTotals, error) {
	var t MailboxTotals
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		t, err = mailboxTotals(ctx, tx)
		return err
	})
	return t, err
}

// checkAuth fails with ErrMailboxNoQueue unless queue id exists with auth
// hash auth (compared in constant time). It returns the queue's
// last_fetch.
func checkAuth(ctx context.Context, tx *sql.Tx, id [16]byte, auth [32]byte) (int64, error) {
	var stored []byte
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT auth_hash, last_fetch FROM mbox_queue WHERE id = ?`, id[:]).Scan(&stored, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrMailboxNoQueue
	} else if err != nil {
		return 0, err
	}
	if subtle.ConstantTimeCompare(stored, auth[:]) != 1 {
		return 0, ErrMailboxNoQueue
	}
	return last, nil
}
