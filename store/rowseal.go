package store

import (
	"fmt"

	"github.com/warrennet/warren/store/seal"
)

// rowDomain separates blobs callers keep in their own tables from named
// secrets (secretDomain), so neither can be passed off as the other.
const rowDomain = "warren/store/row/v1\x00"

// SealRow seals plaintext under the vault's key, bound to label (for
// example a table name and the row's key), for a caller that stores the
// blob in its own table, in the same transaction as its other rows. It
// does no I/O. OpenRow with the same label reverses it; any other label,
// or a tampered blob, yields ErrCorruptSecret.
func (v *Vault) SealRow(label string, plaintext []byte) ([]byte, error) {
	if len(plaintext) > MaxSecretLen {
		return nil, ErrTooLarge
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, ErrVaultClosed
	}
	blob, err := seal.Seal(v.dek, v.db.rand, plaintext, rowAD(label))
	if err != nil {
		return nil, fmt.Errorf("store: sealing row: %w", err)
	}
	return blob, nil
}

// OpenRow opens a blob SealRow made with the same label. The caller owns
// the returned slice.
func (v *Vault) OpenRow(label string, blob []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, ErrVaultClosed
	}
	pt, err := seal.Open(v.dek, blob, rowAD(label))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptSecret, err)
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

func rowAD(label string) []byte { return append([]byte(rowDomain), label...) }
