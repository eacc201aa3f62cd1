package store

import (
	"context"
	"database/sql"
)

// schemaV8 is a validator's certificate feed: every certificate it has
// applied, in the order it applied them, under a sequence number that
// only grows. Wallets read it to find payments nobody told them of (and
// to recover from seed words); lagging validators read their peers' to
// catch up. Rows are never changed or removed.
const schemaV8 = `
CREATE TABLE ledger_feed (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	digest BLOB NOT NULL UNIQUE REFERENCES ledger_applied(digest) CHECK (typeof(digest) = 'blob' AND length(digest) = 32),
	cert   BLOB NOT NULL CHECK (typeof(cert) = 'blob' AND length(cert) BETWEEN 1 AND 5853)
);
CREATE TRIGGER ledger_feed_upd BEFORE UPDATE ON ledger_feed
BEGIN SELECT RAISE(ABORT, 'ledger: the feed is never changed'); END;
CREATE TRIGGER ledger_feed_del BEFORE DELETE ON ledger_feed
BEGIN SELECT RAISE(ABORT, 'ledger: the feed is never truncated'); END;
`

// LedgerMaxCertSize bounds an encoded certificate in the feed.
const LedgerMaxCertSize = 5853

// LedgerFeedEntry is one applied certificate and its place in the feed.
type LedgerFeedEntry struct {
	Seq  uint64
	Cert []byte
}

// LedgerFeed returns the feed's certificates after seq, oldest first:
// at most max entries and, past the first, at most maxBytes of
// certificates in all. It also returns the feed's last sequence number,
// so a reader can tell "caught up" from "more to come".
func (db *DB) LedgerFeed(ctx context.Context, after uint64, max, maxBytes int) ([]LedgerFeedEntry, uint64, error) {
	if after > 1<<62 || max < 1 {
		return nil, 0, ErrLedgerInvalid
	}
	var out []LedgerFeedEntry
	var last uint64
	err := db.Read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM ledger_feed`).Scan(&last); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, cert FROM ledger_feed WHERE seq > ? ORDER BY seq LIMIT ?`, after, max)
		if err != nil {
			return err
		}
		defer rows.Close()
		size := 0
		for rows.Next() {
			var e LedgerFeedEntry
			if err := rows.Scan(&e.Seq, &e.Cert); err != nil {
				return err
			}
			if len(e.Cert) == 0 || len(e.Cert) > LedgerMaxCertSize {
				return ErrLedgerCorrupt
			}
			if size += len(e.Cert); len(out) > 0 && size > maxBytes {
				break
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, last, err
}

// appendFeed records cert under d in the feed, inside LedgerApply's
// transaction.
func appendFeed(ctx context.Context, tx *sql.Tx, d [32]byte, cert []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger_feed(digest, cert) VALUES(?, ?)`, d[:], cert)
	return err
}
