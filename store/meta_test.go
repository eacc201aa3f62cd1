package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestMetaRoundTrip(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	if _, ok, err := db.GetMeta(ctx, "node-id"); ok || err != nil {
		t.Fatalf("absent key: ok=%v err=%v", ok, err)
	}
	for _, val := range [][]byte{[]byte("first"), []byte("second"), {}, nil, bytes.Repeat([]byte{0, 0xff}, 1000)} {
		if err := db.PutMeta(ctx, "node-id", val); err != nil {
			t.Fatal(err)
		}
		got, ok, err := db.GetMeta(ctx, "node-id")
		if err != nil || !ok || !bytes.Equal(got, val) || got == nil {
			t.Fatalf("GetMeta = %x, %v, %v; want %x", got, ok, err, val)
		}
	}
}

func TestMetaRejectsBadInput(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, k := range []string{"", strings.Repeat("k", MaxKeyLen+1), "a\x00b", "\xff"} {
		if err := db.PutMeta(ctx, k, nil); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("PutMeta(%q) err = %v", k, err)
		}
		if _, _, err := db.GetMeta(ctx, k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("GetMeta(%q) err = %v", k, err)
		}
	}
	if err := db.PutMeta(ctx, strings.Repeat("k", MaxKeyLen), make([]byte, MaxMetaValueLen)); err != nil {
		t.Errorf("limits rejected: %v", err)
	}
	if err := db.PutMeta(ctx, "k", make([]byte, MaxMetaValueLen+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize value err = %v", err)
	}
}
