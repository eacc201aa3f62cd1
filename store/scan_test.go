package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"
)

const scanWindow = 16

// TestNoSecretInClear stores random 32- and 64-byte "private keys" in the
// vault and checks that no 16-byte window of any of them, of the
// passphrase, or of the DEK appears in any file of the state directory,
// both while the database is open (db, wal, shm) and after Close.
func TestNoSecretInClear(t *testing.T) {
	db, dir := openTest(t)
	ctx := context.Background()
	pass := []byte("scan-test passphrase " + rand.Text())
	initTestVault(t, db, string(pass))
	v := unlock(t, db, string(pass))
	needles := [][]byte{pass, bytes.Clone(v.dek[:])}
	for i := range 24 {
		key := make([]byte, 32+32*(i%2))
		rand.Read(key)
		if err := v.PutSecret(ctx, fmt.Sprintf("key-%d", i), key); err != nil {
			t.Fatal(err)
		}
		needles = append(needles, key)
	}
	// Overwrite a few and delete a few, so old versions pass through the WAL.
	for i := range 4 {
		if err := v.PutSecret(ctx, fmt.Sprintf("key-%d", i), needles[2+i+4]); err != nil {
			t.Fatal(err)
		}
		if err := v.DeleteSecret(ctx, fmt.Sprintf("key-%d", 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	// Control: a key stored in the clear through meta must be found.
	control := make([]byte, 32)
	rand.Read(control)
	if err := db.PutMeta(ctx, "control", control); err != nil {
		t.Fatal(err)
	}
	open := stateFiles(t, dir)
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		if len(open[name]) == 0 {
			t.Errorf("%s missing or empty while open; the scan would prove nothing", name)
		}
	}
	scanFiles(t, "open", open, needles)
	v.Close()
	db.Close()
	closed := stateFiles(t, dir)
	scanFiles(t, "closed", closed, needles)
	for when, files := range map[string]map[string][]byte{"open": open, "closed": closed} {
		if found(files, control[8:8+scanWindow]) == "" {
			t.Errorf("%s: control key stored in the clear not found: the scanner is blind", when)
		}
	}
}

// found returns the name of a file containing needle, or "".
func found(files map[string][]byte, needle []byte) string {
	for name, data := range files {
		if bytes.Contains(data, needle) {
			return name
		}
	}
	return ""
}

func scanFiles(t *testing.T, when string, files map[string][]byte, needles [][]byte) {
	t.Helper()
	total := 0
	for _, data := range files {
		total += len(data)
	}
	for i, n := range needles {
		for off := 0; off+scanWindow <= len(n); off++ {
			if name := found(files, n[off:off+scanWindow]); name != "" {
				t.Errorf("%s: needle %d (window at %d) found in clear in %s", when, i, off, name)
				break
			}
		}
	}
	t.Logf("%s: scanned %d files, %d bytes, %d needles", when, len(files), total, len(needles))
}
