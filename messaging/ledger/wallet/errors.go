package wallet

import "errors"

// Errors callers branch on. Error strings never hold seeds, words, keys,
// addresses, amounts or IDs.
var (
	ErrWordCount     = errors.New("wallet: seed phrase must have 24 words")
	ErrUnknownWord   = errors.New("wallet: seed phrase has a word not in the list")
	ErrChecksum      = errors.New("wallet: seed phrase checksum does not match (a word is wrong)")
	ErrNoWallet      = errors.New("wallet: no wallet in this database")
	ErrWalletExists  = errors.New("wallet: a wallet already exists in this database")
	ErrInsufficient  = errors.New("wallet: insufficient spendable funds")
	ErrTooManyInputs = errors.New("wallet: payment needs more than 16 coins")
	ErrDustChange    = errors.New("wallet: change would be below the dust minimum")
	ErrUnknownOrder  = errors.New("wallet: no such order in the journal")
	ErrNoQuorum      = errors.New("wallet: neither a certificate nor enough refusals yet")
	ErrNotCertified  = errors.New("wallet: order is not certified")
	ErrBadReceipt    = errors.New("wallet: receipt does not prove the payment")
	ErrMalformed     = errors.New("wallet: malformed encoding")
	ErrCorruptRecord = errors.New("wallet: stored record is corrupt")
	ErrClosed        = errors.New("wallet: closed")
)
