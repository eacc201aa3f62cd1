package store

import (
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/warrennet/warren/store/seal"
)

// KDFParams are the argon2id cost parameters that turn a passphrase into
// the key-encryption key. They are stored in the vault record beside the
// salt, so a vault keeps working when the defaults change.
type KDFParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// Bounds enforced on KDFParams, both on input and when read back from the
// database, so a tampered record cannot make Unlock allocate or spin
// without limit.
const (
	MaxKDFTime      = 100
	MaxKDFMemoryKiB = 4 << 20 // 4 GiB
	MaxKDFThreads   = 64
)

// saltSize is the argon2id salt length of a version-1 vault.
const saltSize = 16

// DefaultKDFParams returns the production parameters: argon2id with
// 256 MiB, 3 passes and 2 lanes, measured at about 0.5 s per unlock on the
// 2-core reference machine (BenchmarkUnlock). Memory dominates the cost to
// an attacker; hosts with little RAM may pass cheaper parameters.
func DefaultKDFParams() KDFParams {
	return KDFParams{Time: 3, MemoryKiB: 256 << 10, Threads: 2}
}

// TestKDFParams returns the cheapest valid parameters. They give no
// protection against guessing and exist only to keep tests fast; never use
// them for a real vault.
func TestKDFParams() KDFParams {
	return KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}
}

// Validate reports whether p is within the accepted bounds.
func (p KDFParams) Validate() error {
	switch {
	case p.Time < 1 || p.Time > MaxKDFTime:
		return fmt.Errorf("%w: time %d not in [1, %d]", ErrBadKDFParams, p.Time, MaxKDFTime)
	case p.Threads < 1 || p.Threads > MaxKDFThreads:
		return fmt.Errorf("%w: threads %d not in [1, %d]", ErrBadKDFParams, p.Threads, MaxKDFThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxKDFMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB not in [%d, %d]", ErrBadKDFParams,
			p.MemoryKiB, 8*uint32(p.Threads), MaxKDFMemoryKiB)
	}
	return nil
}

// paramsFromDB converts stored integers to KDFParams, rejecting anything
// out of bounds before any work is done.
func paramsFromDB(time, memory, threads int64) (KDFParams, error) {
	if time < 1 || time > MaxKDFTime || memory < 1 || memory > MaxKDFMemoryKiB ||
		threads < 1 || threads > MaxKDFThreads {
		return KDFParams{}, fmt.Errorf("%w (stored)", ErrBadKDFParams)
	}
	p := KDFParams{Time: uint32(time), MemoryKiB: uint32(memory), Threads: uint8(threads)}
	return p, p.Validate()
}

// deriveKEK runs argon2id. The caller zeroes the returned key. (argon2's
// internal work memory is not zeroed by golang.org/x/crypto.)
func deriveKEK(pass, salt []byte, p KDFParams) *seal.Key {
	out := argon2.IDKey(pass, salt, p.Time, p.MemoryKiB, p.Threads, seal.KeySize)
	k := new(seal.Key)
	copy(k[:], out)
	clear(out)
	return k
}
