package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestVaultLifecycle(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	if _, err := db.Unlock(ctx, []byte("pw")); !errors.Is(err, ErrNoVault) {
		t.Fatalf("Unlock before init: %v", err)
	}
	initTestVault(t, db, "correct horse")
	if err := db.InitVault(ctx, []byte("other"), TestKDFParams(), nil); !errors.Is(err, ErrVaultExists) {
		t.Fatalf("second InitVault: %v", err)
	}
	v := unlock(t, db, "correct horse")
	key := []byte("ed25519 seed: 32 bytes exactly!!")
	if err := v.PutSecret(ctx, "node-key", key); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := v.GetSecret(ctx, "missing"); ok || err != nil || got != nil {
		t.Fatalf("absent secret: %x %v %v", got, ok, err)
	}
	v.Close()
	db.Close()

	db2 := openAt(t, dir)
	v2 := unlock(t, db2, "correct horse")
	got, ok, err := v2.GetSecret(ctx, "node-key")
	if err != nil || !ok || !bytes.Equal(got, key) {
		t.Fatalf("after reopen: %q %v %v", got, ok, err)
	}
	if err := v2.PutSecret(ctx, "node-key", []byte("replaced")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := v2.GetSecret(ctx, "node-key"); string(got) != "replaced" {
		t.Fatalf("replace: %q", got)
	}
	if err := v2.DeleteSecret(ctx, "node-key"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := v2.GetSecret(ctx, "node-key"); ok || err != nil {
		t.Fatalf("after delete: %v %v", ok, err)
	}
	if err := v2.DeleteSecret(ctx, "node-key"); err != nil {
		t.Fatalf("deleting an absent secret: %v", err)
	}
}

func TestEmptyPassphraseRejected(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, p := range [][]byte{nil, {}} {
		if err := db.InitVault(ctx, p, TestKDFParams(), nil); !errors.Is(err, ErrEmptyPassphrase) {
			t.Errorf("InitVault(%q): %v", p, err)
		}
	}
	initTestVault(t, db, "pw")
	if _, err := db.Unlock(ctx, nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("Unlock(empty): %v", err)
	}
	if err := db.ChangePassphrase(ctx, []byte("pw"), nil, TestKDFParams(), nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("ChangePassphrase to empty: %v", err)
	}
	unlock(t, db, "pw")
}

func TestWrongPassphraseWritesNothing(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "right")
	row := rawVault(t, db)
	files := stateFiles(t, dir)
	_, err := db.Unlock(ctx, []byte("wrong"))
	if !errors.Is(err, ErrWrongPassphrase) || err.Error() != "store: wrong passphrase" {
		t.Fatalf("Unlock(wrong) = %v", err)
	}
	err = db.ChangePassphrase(ctx, []byte("wrong"), []byte("new"), TestKDFParams(), nil)
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase(wrong old) = %v", err)
	}
	if got := rawVault(t, db); !reflect.DeepEqual(got, row) {
		t.Error("vault record changed")
	}
	after := stateFiles(t, dir)
	for _, name := range []string{FileName, FileName + "-wal"} {
		if !bytes.Equal(files[name], after[name]) {
			t.Errorf("%s changed after wrong passphrase", name)
		}
	}
	unlock(t, db, "right")
	if _, err := db.Unlock(ctx, []byte("new")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("new passphrase works after failed change: %v", err)
	}
}

func TestChangePassphrase(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "old")
	v := unlock(t, db, "old")
	if err := v.PutSecret(ctx, "s", []byte("payload")); err != nil {
		t.Fatal(err)
	}
	before := rawVault(t, db)
	p := TestKDFParams()
	p.Time = 2
	if err := db.ChangePassphrase(ctx, []byte("old"), []byte("new"), p, nil); err != nil {
		t.Fatal(err)
	}
	after := rawVault(t, db)
	if after[1] != int64(2) || after[4] == before[4] || after[5] == before[5] {
		t.Errorf("record not rewritten with new params and salt: %v", after[:4])
	}
	if _, err := db.Unlock(ctx, []byte("old")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("old passphrase still works: %v", err)
	}
	v2 := unlock(t, db, "new")
	if got, ok, err := v2.GetSecret(ctx, "s"); err != nil || !ok || string(got) != "payload" {
		t.Errorf("secret under new passphrase: %q %v %v", got, ok, err)
	}
	// The Vault unlocked before the change keeps working: same DEK.
	if got, _, err := v.GetSecret(ctx, "s"); err != nil || string(got) != "payload" {
		t.Errorf("earlier Vault after change: %q %v", got, err)
	}
	// The old wrapped DEK must not linger in the files, neither while open
	// (ChangePassphrase checkpoints the WAL) nor after Close.
	oldTail := []byte(before[5].(string))[len(before[5].(string))-32:]
	for _, when := range []string{"open", "closed"} {
		if when == "closed" {
			db.Close()
		}
		for name, b := range stateFiles(t, dir) {
			if bytes.Contains(b, oldTail) {
				t.Errorf("%s: old wrapped DEK still present in %s", when, name)
			}
		}
	}
}

func TestChangePassphraseDetectsConcurrentChange(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "a")
	old, err := db.loadVault(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ChangePassphrase(ctx, []byte("a"), []byte("b"), TestKDFParams(), nil); err != nil {
		t.Fatal(err)
	}
	dek, _ := old.unwrap([]byte("a"))
	row, _ := wrapDEK(dek, []byte("c"), TestKDFParams(), rand.Reader)
	err = db.Write(ctx, func(tx *sql.Tx) error { return replaceVault(ctx, tx, old, row) })
	if !errors.Is(err, ErrVaultChanged) {
		t.Fatalf("stale replace: %v", err)
	}
	unlock(t, db, "b")
}

func TestTamperedSecretRejected(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "pw")
	v := unlock(t, db, "pw")
	v.PutSecret(ctx, "a", []byte("secret A"))
	v.PutSecret(ctx, "b", []byte("secret B"))
	// Move a's blob to b: bound to the name, so it must not open.
	exec(t, db, `UPDATE secret SET sealed = (SELECT sealed FROM secret WHERE name = 'a') WHERE name = 'b'`)
	if got, ok, err := v.GetSecret(ctx, "b"); !errors.Is(err, ErrCorruptSecret) || got != nil || ok {
		t.Errorf("moved blob: %q %v %v", got, ok, err)
	}
	// Flip a bit in the ciphertext body (last byte is in the tag; pick the middle).
	exec(t, db, `UPDATE secret SET sealed = substr(sealed, 1, 35) || x'00' || substr(sealed, 37) WHERE name = 'a'`)
	if got, ok, err := v.GetSecret(ctx, "a"); !errors.Is(err, ErrCorruptSecret) || got != nil || ok {
		t.Errorf("tampered blob: %q %v %v", got, ok, err)
	}
	exec(t, db, `UPDATE secret SET sealed = x'01' WHERE name = 'a'`)
	if _, _, err := v.GetSecret(ctx, "a"); !errors.Is(err, ErrCorruptSecret) {
		t.Errorf("truncated blob: %v", err)
	}
}

func TestTamperedVaultRecord(t *testing.T) {
	cases := []struct {
		name, update string
		want         error
	}{
		{"huge memory", `kdf_memory = 1099511627776`, ErrBadKDFParams},
		{"memory over 4 GiB", `kdf_memory = 4194305`, ErrBadKDFParams},
		{"huge time", `kdf_time = 101`, ErrBadKDFParams},
		{"zero threads", `kdf_threads = 0`, ErrBadKDFParams},
		{"negative time", `kdf_time = -1`, ErrBadKDFParams},
		{"memory below 8*threads", `kdf_memory = 8, kdf_threads = 2`, ErrBadKDFParams},
		{"unknown version", `version = 2`, ErrCorruptVault},
		{"short salt", `salt = x'00'`, ErrCorruptVault},
		{"malformed wrapped key", `wrapped_dek = x'0102'`, ErrCorruptVault},
		{"other salt", `salt = zeroblob(16)`, ErrWrongPassphrase},
		{"flipped wrapped key", `wrapped_dek = substr(wrapped_dek, 1, 40) || x'00' || substr(wrapped_dek, 42)`, ErrWrongPassphrase},
		{"weaker params", `kdf_time = 2`, ErrWrongPassphrase},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, _ := openTest(t)
			initTestVault(t, db, "pw")
			exec(t, db, `UPDATE vault SET `+c.update)
			start := time.Now()
			_, err := db.Unlock(context.Background(), []byte("pw"))
			if !errors.Is(err, c.want) {
				t.Fatalf("Unlock = %v, want %v", err, c.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("rejecting took %v", d)
			}
		})
	}
}

func TestKDFParamsValidate(t *testing.T) {
	for _, p := range []KDFParams{DefaultKDFParams(), TestKDFParams(), {Time: MaxKDFTime, MemoryKiB: MaxKDFMemoryKiB, Threads: MaxKDFThreads}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, p := range []KDFParams{{}, {Time: 1, MemoryKiB: 7, Threads: 1}, {Time: 0, MemoryKiB: 64, Threads: 1},
		{Time: 1, MemoryKiB: MaxKDFMemoryKiB + 1, Threads: 1}, {Time: 1, MemoryKiB: 64, Threads: MaxKDFThreads + 1}} {
		if err := p.Validate(); !errors.Is(err, ErrBadKDFParams) {
			t.Errorf("%+v accepted", p)
		}
	}
	db, _ := openTest(t)
	if err := db.InitVault(context.Background(), []byte("pw"), KDFParams{}, nil); !errors.Is(err, ErrBadKDFParams) {
		t.Errorf("InitVault with zero params: %v", err)
	}
}

func TestClosedVault(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "pw")
	v := unlock(t, db, "pw")
	dek := v.dek
	v.Close()
	v.Close() // idempotent
	if *dek != ([32]byte{}) {
		t.Error("DEK not zeroed by Close")
	}
	if err := v.PutSecret(ctx, "s", []byte("x")); !errors.Is(err, ErrVaultClosed) {
		t.Errorf("PutSecret: %v", err)
	}
	if _, _, err := v.GetSecret(ctx, "s"); !errors.Is(err, ErrVaultClosed) {
		t.Errorf("GetSecret: %v", err)
	}
	if err := v.DeleteSecret(ctx, "s"); !errors.Is(err, ErrVaultClosed) {
		t.Errorf("DeleteSecret: %v", err)
	}
}

func TestSecretLimits(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "pw")
	v := unlock(t, db, "pw")
	if err := v.PutSecret(ctx, "", []byte("x")); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("empty name: %v", err)
	}
	if err := v.PutSecret(ctx, strings.Repeat("n", MaxKeyLen+1), nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("long name: %v", err)
	}
	if err := v.PutSecret(ctx, "big", make([]byte, MaxSecretLen+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize: %v", err)
	}
	if err := v.PutSecret(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := v.GetSecret(ctx, "empty"); err != nil || !ok || got == nil || len(got) != 0 {
		t.Errorf("empty secret: %v %v %v", got, ok, err)
	}
}

// TestDeletedSecretIsOverwritten: with secure_delete on, the sealed blob of
// a deleted secret does not survive in the database file.
func TestDeletedSecretIsOverwritten(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	initTestVault(t, db, "pw")
	v := unlock(t, db, "pw")
	for _, n := range []string{"a", "b", "c"} {
		if err := v.PutSecret(ctx, n, bytes.Repeat([]byte(n), 64)); err != nil {
			t.Fatal(err)
		}
	}
	var sealed []byte
	db.Read(ctx, func(tx *sql.Tx) error { return tx.QueryRow(`SELECT sealed FROM secret WHERE name = 'b'`).Scan(&sealed) })
	if err := v.DeleteSecret(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for name, b := range stateFiles(t, dir) {
		if bytes.Contains(b, sealed[len(sealed)-32:]) {
			t.Errorf("deleted sealed blob still present in %s", name)
		}
	}
}
