package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestLedgerFeedOrderAndPaging(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	seedCoins(t, db, 1)
	entries, last, err := db.LedgerFeed(ctx, 0, 10, 1<<20)
	if err != nil || len(entries) != 0 || last != 0 {
		t.Fatalf("empty feed: %d entries, last %d, %v", len(entries), last, err)
	}
	for i := range byte(5) {
		cert := bytes.Repeat([]byte{i + 1}, 100)
		if err := db.LedgerApply(ctx, [32]byte{0xA0 + i}, cert, nil, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Applying again changes nothing: a certificate is in the feed once.
	if err := db.LedgerApply(ctx, [32]byte{0xA0}, []byte("other"), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	entries, last, err = db.LedgerFeed(ctx, 0, 10, 250)
	if err != nil || last != 5 || len(entries) != 2 {
		t.Fatalf("byte-bounded page: %d entries, last %d, %v (want 2, 5)", len(entries), last, err)
	}
	if entries[0].Seq != 1 || entries[0].Cert[0] != 1 || entries[1].Seq != 2 || entries[1].Cert[0] != 2 {
		t.Fatalf("feed out of order: %+v", entries)
	}
	entries, _, err = db.LedgerFeed(ctx, 2, 2, 1<<20)
	if err != nil || len(entries) != 2 || entries[0].Seq != 3 || entries[1].Seq != 4 {
		t.Fatalf("count-bounded page after 2: %+v %v", entries, err)
	}
	// One certificate larger than maxBytes still comes alone: a reader
	// always makes progress.
	entries, _, err = db.LedgerFeed(ctx, 4, 10, 1)
	if err != nil || len(entries) != 1 || entries[0].Seq != 5 {
		t.Fatalf("oversize single entry: %+v %v", entries, err)
	}
}

func TestLedgerFeedRefusesBadArguments(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, cert := range [][]byte{nil, make([]byte, LedgerMaxCertSize+1)} {
		if err := db.LedgerApply(ctx, [32]byte{1}, cert, nil, nil, 0); !errors.Is(err, ErrLedgerInvalid) {
			t.Fatalf("cert of %d bytes: %v", len(cert), err)
		}
	}
	if _, _, err := db.LedgerFeed(ctx, 0, 0, 10); !errors.Is(err, ErrLedgerInvalid) {
		t.Fatalf("max 0: %v", err)
	}
	if err := db.LedgerApply(ctx, [32]byte{1}, []byte("c"), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE ledger_feed SET cert = x'00'`, `DELETE FROM ledger_feed`} {
		if err := tryExec(db, q); err == nil {
			t.Fatalf("%s: allowed", q)
		}
	}
}
