package wallet

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// seedSecret is the vault secret holding the 32-byte seed.
const seedSecret = "wallet/seed"

// Table names (schemaV7 in package store); also the sealing labels'
// prefixes.
const (
	tCoin  = "wallet_coin"
	tOrder = "wallet_order"
	tCert  = "wallet_cert"
)

func label(table string, id rowID) string { return table + "/" + hex.EncodeToString(id[:]) }

func newRowID(rand io.Reader) (rowID, error) {
	var id rowID
	_, err := io.ReadFull(rand, id[:])
	return id, err
}

// change is one state transition: written in one transaction, then
// applied to memory (so memory never runs ahead of the disk).
type change struct {
	coins  []*owned // new coins
	spent  []*owned
	states map[*journaled]OrderState
	order  *journaled // new journal entry
	cert   *applied
}

func (ch *change) empty() bool {
	return len(ch.coins) == 0 && len(ch.spent) == 0 && len(ch.states) == 0 && ch.order == nil && ch.cert == nil
}

// write records ch in tx.
func (ch *change) write(ctx context.Context, tx *sql.Tx, v *store.Vault) error {
	for _, c := range ch.coins {
		if err := insertCoin(ctx, tx, v, c); err != nil {
			return err
		}
	}
	for _, c := range ch.spent {
		if _, err := tx.ExecContext(ctx, `UPDATE wallet_coin SET spent = 1 WHERE id = ?`, c.row[:]); err != nil {
			return err
		}
	}
	if ch.order != nil {
		if err := insertOrder(ctx, tx, v, ch.order); err != nil {
			return err
		}
	}
	for j, s := range ch.states {
		if _, err := tx.ExecContext(ctx, `UPDATE wallet_order SET state = ? WHERE id = ?`, int(s), j.row[:]); err != nil {
			return err
		}
	}
	if ch.cert != nil {
		return insertCert(ctx, tx, v, ch.cert)
	}
	return nil
}

// applyTo changes memory after the transaction committed.
func (ch *change) applyTo(st *state) {
	for _, c := range ch.coins {
		st.coins[c.ID] = c
	}
	for _, c := range ch.spent {
		c.spent = true
	}
	if ch.order != nil {
		ch.order.seq = st.nextSeq()
		st.orders[ch.order.d] = ch.order
	}
	for j, s := range ch.states {
		j.state = s
	}
	if ch.cert != nil {
		st.certs[ch.cert.cert.Order.Digest(st.net)] = ch.cert
	}
}

func insertCoin(ctx context.Context, tx *sql.Tx, v *store.Vault, c *owned) error {
	pt, err := encodeCoinRecord(&c.OwnedCoin)
	if err != nil {
		return err
	}
	sealed, err := v.SealRow(label(tCoin, c.row), pt)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO wallet_coin(id, spent, found, sealed) VALUES(?, ?, ?, ?)`,
		c.row[:], boolInt(c.spent), c.Found.UnixNano(), sealed)
	return err
}

func insertOrder(ctx context.Context, tx *sql.Tx, v *store.Vault, j *journaled) error {
	sealed, err := v.SealRow(label(tOrder, j.row), j.rec.encode())
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO wallet_order(id, state, created, sealed) VALUES(?, ?, ?, ?)`,
		j.row[:], int(j.state), j.created.UnixNano(), sealed)
	return err
}

func insertCert(ctx context.Context, tx *sql.Tx, v *store.Vault, a *applied) error {
	enc, err := a.cert.Marshal()
	if err != nil {
		return err
	}
	sealed, err := v.SealRow(label(tCert, a.row), enc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO wallet_cert(id, applied, sealed) VALUES(?, ?, ?)`,
		a.row[:], a.at.UnixNano(), sealed)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rawRow is a row as read: its ID, a state or flag, a time, the blob.
type rawRow struct {
	id     rowID
	flag   int
	at     time.Time
	sealed []byte
}

// readRows reads every row of table in insertion order.
func readRows(ctx context.Context, db *store.DB, query string) ([]rawRow, error) {
	var rows []rawRow
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id []byte
			var r rawRow
			var at int64
			if err := rs.Scan(&id, &r.flag, &at, &r.sealed); err != nil {
				return err
			}
			if len(id) != len(r.id) {
				return ErrCorruptRecord
			}
			r.id, r.at = rowID(id), time.Unix(0, at)
			rows = append(rows, r)
		}
		return rs.Err()
	})
	return rows, err
}

// open unseals a row.
func open(v *store.Vault, table string, r rawRow) ([]byte, error) {
	pt, err := v.OpenRow(label(table, r.id), r.sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	return pt, nil
}

// loadCoins reads every coin.
func loadCoins(ctx context.Context, db *store.DB, v *store.Vault, st *state) error {
	rows, err := readRows(ctx, db, `SELECT id, spent, found, sealed FROM wallet_coin`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		pt, err := open(v, tCoin, r)
		if err != nil {
			return err
		}
		oc, err := decodeCoinRecord(pt)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorruptRecord, err)
		}
		oc.Found = r.at
		st.coins[oc.ID] = &owned{OwnedCoin: oc, row: r.id, spent: r.flag == 1}
	}
	return nil
}

// loadCerts reads every applied certificate.
func loadCerts(ctx context.Context, db *store.DB, v *store.Vault, st *state) error {
	rows, err := readRows(ctx, db, `SELECT id, 0, applied, sealed FROM wallet_cert ORDER BY n`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		pt, err := open(v, tCert, r)
		if err != nil {
			return err
		}
		cert, err := ledger.UnmarshalCertificate(pt)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorruptRecord, err)
		}
		st.certs[cert.Order.Digest(st.net)] = &applied{row: r.id, cert: cert, at: r.at}
	}
	return nil
}
