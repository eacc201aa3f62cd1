package messenger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The queries on the tables of store's schema for messaging. Every function
// runs inside a transaction the caller holds (store.DB.Write or Read).

// Kinds of outbox rows.
const (
	kindText    = 1
	kindPayment = 4
	kindReceipt = 2
	kindRequest = 3
)

// shown reports whether rows of kind are the user's own messages (listed,
// announced, re-sent until their receipt).
func shown(kind int) bool { return kind == kindText || kind == kindPayment }

// MessageState is what a user sees of an outgoing message.
type MessageState int

const (
	Queued    MessageState = 0 // in the outbox, no mailbox has it yet
	Sent      MessageState = 1 // a mailbox acknowledged storing it
	Delivered MessageState = 2 // the contact's receipt arrived
	Failed    MessageState = 3 // given up; Why says why
)

func (s MessageState) String() string {
	return [...]string{"queued", "sent", "delivered", "failed"}[s]
}

// outRow is one outbox row.
type outRow struct {
	N         int64
	ID        MsgID
	Contact   ContactID
	Kind      int
	Envelope  []byte
	Body      []byte // sealed; nil for receipts and requests
	State     MessageState
	Why       string
	Tries     int
	NextTry   time.Time
	Created   time.Time
	Sent      time.Time
	Delivered time.Time

	was MessageState // the state read from the database
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func insertContact(ctx context.Context, tx *sql.Tx, id ContactID, created time.Time, sealed []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO contact(id, created, sealed) VALUES(?, ?, ?)`,
		id[:], nanos(created), sealed)
	return err
}

func updateContact(ctx context.Context, tx *sql.Tx, id ContactID, sealed []byte) error {
	res, err := tx.ExecContext(ctx, `UPDATE contact SET sealed = ? WHERE id = ?`, sealed, id[:])
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNoContact
	}
	return nil
}

func deleteContact(ctx context.Context, tx *sql.Tx, id ContactID) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM contact WHERE id = ?`, id[:])
	return err
}

type contactRow struct {
	ID      ContactID
	Created time.Time
	Sealed  []byte
}

func selectContacts(ctx context.Context, tx *sql.Tx) ([]contactRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, created, sealed FROM contact ORDER BY created`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contactRow
	for rows.Next() {
		var r contactRow
		var id []byte
		var created int64
		if err := rows.Scan(&id, &created, &r.Sealed); err != nil {
			return nil, err
		}
		if copy(r.ID[:], id) != len(r.ID) {
			return nil, fmt.Errorf("messenger: contact row: bad id")
		}
		r.Created = fromNanos(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

func insertOut(ctx context.Context, tx *sql.Tx, r *outRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox(id, contact, kind, envelope, body, state, why,
		tries, next_try, created, sent, delivered) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID[:], r.Contact[:], r.Kind, r.Envelope, r.Body, int(r.State), r.Why, r.Tries,
		nanos(r.NextTry), nanos(r.Created), nanos(r.Sent), nanos(r.Delivered))
	return err
}

const outCols = `n, id, contact, kind, envelope, body, state, why, tries, next_try, created, sent, delivered`

func scanOut(rows *sql.Rows) (outRow, error) {
	var r outRow
	var id, contact []byte
	var state int
	var next, created, sent, delivered int64
	if err := rows.Scan(&r.N, &id, &contact, &r.Kind, &r.Envelope, &r.Body, &state, &r.Why,
		&r.Tries, &next, &created, &sent, &delivered); err != nil {
		return r, err
	}
	if copy(r.ID[:], id) != len(r.ID) || copy(r.Contact[:], contact) != len(r.Contact) {
		return r, fmt.Errorf("messenger: outbox row: bad id")
	}
	r.State, r.was = MessageState(state), MessageState(state)
	r.NextTry, r.Created = fromNanos(next), fromNanos(created)
	r.Sent, r.Delivered = fromNanos(sent), fromNanos(delivered)
	return r, nil
}

func queryOut(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]outRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+outCols+` FROM outbox `+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outRow
	for rows.Next() {
		r, err := scanOut(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// pendingOut returns a contact's rows still to deposit (queued, even if
// backing off: they hold back later ones) or due to be re-deposited, in
// the order they were written.
func pendingOut(ctx context.Context, tx *sql.Tx, c ContactID, now time.Time, limit int) ([]outRow, error) {
	return queryOut(ctx, tx, `WHERE contact = ? AND state IN (0, 1) AND (state = 0 OR next_try <= ?)
		ORDER BY n LIMIT ?`, c[:], nanos(now), limit)
}

// dueContacts returns the contacts with a row due at now, and the earliest
// future due time (zero if none).
func dueContacts(ctx context.Context, tx *sql.Tx, now time.Time) ([]ContactID, time.Time, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT contact FROM outbox
		WHERE state IN (0, 1) AND next_try <= ?`, nanos(now))
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	var ids []ContactID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, time.Time{}, err
		}
		var id ContactID
		copy(id[:], b)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	var next sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT MIN(next_try) FROM outbox WHERE state IN (0, 1) AND next_try > ?`,
		nanos(now)).Scan(&next)
	if err != nil || !next.Valid {
		return ids, time.Time{}, err
	}
	return ids, fromNanos(next.Int64), nil
}

// setOutState writes r's new state unless the row changed state since it
// was read (a receipt may have made it Delivered meanwhile: that stands).
// A receipt row that was deposited is deleted; a text that reached a final
// state keeps its history but not its envelope.
func setOutState(ctx context.Context, tx *sql.Tx, r *outRow) error {
	if r.Kind == kindReceipt && r.State == Delivered {
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE n = ?`, r.N)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, why = ?, tries = ?, next_try = ?,
		sent = ?, delivered = ?, envelope = CASE WHEN ? IN (2, 3) THEN X'' ELSE envelope END
		WHERE n = ? AND state = ?`, int(r.State), r.Why, r.Tries, nanos(r.NextTry),
		nanos(r.Sent), nanos(r.Delivered), int(r.State), r.N, int(r.was))
	return err
}

// setOutEnvelope replaces a row's envelope (a re-send's new encryption).
func setOutEnvelope(ctx context.Context, tx *sql.Tx, n int64, env []byte) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET envelope = ? WHERE n = ?`, env, n)
	return err
}

// requestAnswered marks a contact request delivered once any message of
// the contact decrypted (its receipt may have been lost): it is not
// re-sent any more.
func requestAnswered(ctx context.Context, tx *sql.Tx, c ContactID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 2, delivered = ?, envelope = X''
		WHERE contact = ? AND kind = 3 AND state IN (0, 1)`, nanos(now), c[:])
	return err
}

// markDelivered sets the rows of contact c named in ids to Delivered and
// returns those that changed (ID, kind, state and times), one statement
// per ID.
func markDelivered(ctx context.Context, tx *sql.Tx, c ContactID, ids []MsgID, now time.Time) ([]outRow, error) {
	var changed []outRow
	for _, id := range ids {
		r := outRow{ID: id, Contact: c, State: Delivered, Delivered: now}
		var created, sent int64
		err := tx.QueryRowContext(ctx, `UPDATE outbox SET state = 2, delivered = ?1,
			sent = CASE WHEN sent = 0 THEN ?1 ELSE sent END, envelope = X''
			WHERE contact = ?2 AND id = ?3 AND state IN (0, 1) RETURNING n, kind, created, sent`,
			nanos(now), c[:], id[:]).Scan(&r.N, &r.Kind, &created, &sent)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, err
		}
		r.Created, r.Sent = fromNanos(created), fromNanos(sent)
		if r.Kind == kindReceipt { // a receipt row done is deleted (setOutState)
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE n = ?`, r.N); err != nil {
				return nil, err
			}
		}
		changed = append(changed, r)
	}
	return changed, nil
}

// markSeen records a mailbox message ID as processed at now, with the ID
// of the text it carried (nil if none).
func markSeen(ctx context.Context, tx *sql.Tx, id MsgID, text *MsgID, now time.Time) error {
	var msg []byte
	if text != nil {
		msg = text[:]
	}
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO seen(id, msg, at) VALUES(?, ?, ?)`, id[:], msg, nanos(now))
	return err
}

// seenRow is what is remembered of a processed mailbox message.
type seenRow struct {
	Text *MsgID    // the text it carried, if any
	At   time.Time // when it was processed or last answered
}

// isSeen reports whether a mailbox message ID was processed.
func isSeen(ctx context.Context, tx *sql.Tx, id MsgID) (*seenRow, error) {
	var msg []byte
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT msg, at FROM seen WHERE id = ?`, id[:]).Scan(&msg, &at)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := &seenRow{At: fromNanos(at)}
	if len(msg) == len(MsgID{}) {
		r.Text = new(MsgID)
		copy(r.Text[:], msg)
	}
	return r, nil
}

// touchSeen records that a copy was answered now.
func touchSeen(ctx context.Context, tx *sql.Tx, id MsgID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE seen SET at = ? WHERE id = ?`, nanos(now), id[:])
	return err
}

// pruneSeen removes up to limit seen rows older than before; it returns
// how many it removed.
func pruneSeen(ctx context.Context, tx *sql.Tx, before time.Time, limit int) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM seen WHERE id IN (SELECT id FROM seen WHERE at < ? LIMIT ?)`,
		nanos(before), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type inRow struct {
	ID       MsgID
	Contact  ContactID
	Seq      uint64
	Sent     time.Time
	Received time.Time
	Body     []byte // sealed
}

// insertIn stores an incoming message unless its ID is known; false if it
// was.
func insertIn(ctx context.Context, tx *sql.Tx, r *inRow) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO inbox(id, contact, seq, sent, received, body)
		VALUES(?, ?, ?, ?, ?, ?)`, r.ID[:], r.Contact[:], int64(r.Seq), nanos(r.Sent), nanos(r.Received), r.Body)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func selectIn(ctx context.Context, tx *sql.Tx, c *ContactID, limit int) ([]inRow, error) {
	q := `SELECT id, contact, seq, sent, received, body FROM inbox `
	args := []any{}
	if c != nil {
		q += `WHERE contact = ? `
		args = append(args, c[:])
	}
	q += `ORDER BY n DESC LIMIT ?`
	rows, err := tx.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inRow
	for rows.Next() {
		var r inRow
		var id, contact []byte
		var seq, sent, recv int64
		if err := rows.Scan(&id, &contact, &seq, &sent, &recv, &r.Body); err != nil {
			return nil, err
		}
		copy(r.ID[:], id)
		copy(r.Contact[:], contact)
		r.Seq, r.Sent, r.Received = uint64(seq), fromNanos(sent), fromNanos(recv)
		out = append(out, r)
	}
	return out, rows.Err()
}
