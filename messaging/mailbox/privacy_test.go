package mailbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dumpMailboxTables returns every cell of every mbox_ table.
func dumpMailboxTables(t *testing.T, h *harness) (cells []any, tables []string) {
	err := h.db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mbox%'`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		for _, tb := range tables {
			c, err := dumpTable(tx, tb)
			if err != nil {
				return err
			}
			cells = append(cells, c...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cells, tables
}

func dumpTable(tx *sql.Tx, table string) ([]any, error) {
	rows, err := tx.Query(`SELECT * FROM ` + table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, rows.Err()
}

// TestStoredRowsHoldNoSecrets: after a run, every stored cell is an ID, a
// secret's hash, an envelope, or an integer (time or counter); no secret
// is in any row, in the database files, or in the logs.
func TestStoredRowsHoldNoSecrets(t *testing.T) {
	h := newHarness(t, nil)
	r := testRand(12)
	allowed := map[string]bool{}
	var secrets []Secret
	var queues []QueueID
	owner, sender := h.client(), h.client()
	for i := range 5 {
		q, sec := h.create(owner)
		secrets, queues = append(secrets, sec), append(queues, q)
		auth := sha256.Sum256(sec[:])
		allowed[string(q[:])], allowed[string(auth[:])] = true, true
		for j := range 4 {
			e := newEnv(r, (i+j)%3)
			id := MsgIDOf(e)
			allowed[string(e)], allowed[string(id[:])] = true, true
			mustDeposit(t, sender, q, e)
		}
		ms := mustFetch(t, owner, q, sec, 0, 2)
		if err := owner.Ack(context.Background(), q, sec, msgIDs(ms)); err != nil {
			t.Fatal(err)
		}
	}
	cells, tables := dumpMailboxTables(t, h)
	if len(tables) != 4 || len(cells) == 0 {
		t.Fatalf("tables %v, %d cells", tables, len(cells))
	}
	for _, c := range cells {
		switch v := c.(type) {
		case int64:
		case []byte:
			if !allowed[string(v)] {
				t.Fatalf("stored blob of %d bytes is no ID, hash or envelope", len(v))
			}
		default:
			t.Fatalf("stored value of type %T", c)
		}
	}
	files, _ := filepath.Glob(filepath.Join(h.dir, "*"))
	logs := h.logText()
	for i, sec := range secrets {
		for _, c := range cells {
			if b, ok := c.([]byte); ok && bytes.Contains(b, sec[:]) {
				t.Fatal("a secret is stored")
			}
		}
		for _, f := range files {
			if b, _ := os.ReadFile(f); bytes.Contains(b, sec[:]) {
				t.Fatalf("a secret is in %s", filepath.Base(f))
			}
		}
		if strings.Contains(logs, hex.EncodeToString(sec[:])) || strings.Contains(logs, string(sec[:])) {
			t.Fatal("a secret is in the logs")
		}
		checkLogsNoQueue(t, logs, queues[i])
	}
}

// checkLogsNoQueue: a queue ID appears only in Debug lines.
func checkLogsNoQueue(t *testing.T, logs string, q QueueID) {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, q.String()) && !strings.Contains(line, "level=DEBUG") {
			t.Fatalf("queue ID logged above Debug: %q", line)
		}
	}
	if !strings.Contains(logs, q.String()) {
		t.Fatal("no Debug line names the queue: the check above checks nothing")
	}
}
