package store

import (
	"context"
	"errors"
	"testing"
)

// TestInspect: an inspecting open reads a database it did not migrate,
// refuses a missing one, and refuses one newer than this binary.
func TestInspect(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	if _, err := Open(ctx, Config{Dir: dir, Inspect: true}); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("inspect of an empty dir: %v, want ErrNoDatabase", err)
	}
	db := openAt(t, dir)
	if err := db.PutMeta(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	db.Close()

	in, err := Open(ctx, Config{Dir: dir, Inspect: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := in.GetMeta(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("GetMeta through inspect: %q %v %v", v, ok, err)
	}
	in.Close()

	db = openAt(t, dir)
	exec(t, db, "PRAGMA user_version = 99")
	db.Close()
	if _, err := Open(ctx, Config{Dir: dir, Inspect: true}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("inspect of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}
