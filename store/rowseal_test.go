package store

import (
	"bytes"
	"errors"
	"testing"
)

// A row blob opens only under its own label, never as a named secret (or
// the other way round), and not after the vault is closed.
func TestSealRow(t *testing.T) {
	db, _ := openTest(t)
	initTestVault(t, db, "pw")
	v := unlock(t, db, "pw")
	pt := []byte("ratchet state")
	blob, err := v.SealRow("contact/1", pt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, pt) {
		t.Fatal("plaintext visible in the sealed blob")
	}
	got, err := v.OpenRow("contact/1", blob)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("OpenRow: %q %v", got, err)
	}
	if _, err := v.OpenRow("contact/2", blob); !errors.Is(err, ErrCorruptSecret) {
		t.Fatalf("other label: %v", err)
	}
	secret, err := v.seal("contact/1", pt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.OpenRow("contact/1", secret); !errors.Is(err, ErrCorruptSecret) {
		t.Fatalf("a named secret opened as a row: %v", err)
	}
	if _, err := v.open("contact/1", blob); !errors.Is(err, ErrCorruptSecret) {
		t.Fatalf("a row opened as a named secret: %v", err)
	}
	blob[len(blob)-1] ^= 1
	if _, err := v.OpenRow("contact/1", blob); !errors.Is(err, ErrCorruptSecret) {
		t.Fatalf("tampered: %v", err)
	}
	v.Close()
	if _, err := v.SealRow("x", pt); !errors.Is(err, ErrVaultClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
