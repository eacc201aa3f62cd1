// Package wallet is a Warren payment wallet: seed words, the coins it
// owns and their states, building and journaling payments, applying
// certificates, and third-party-verifiable receipts (see
// shared/ledger.md and docs/ledger.md).
//
// It owns:
//   - seed words: the 32-byte seed as 24 words of the BIP-39 English
//     list (embedded english.txt) with BIP-39's 8-bit SHA-256 checksum;
//   - the wallet's view of its coins (Spendable, Incoming, Sending,
//     Frozen, Spent; see CoinState) and its history;
//   - payments: coin selection (selectCoins documents the policy), one
//     fresh stealth one-time key per output (the change included), owner
//     signatures with each input's derived key, and the journal: Send
//     writes the signed order durably before returning it, and Pending
//     returns the identical bytes after a restart;
//   - settling: a certificate assembled from votes and verified offline
//     against the pinned committee, or refusals from more than f
//     validators, which freeze the inputs (lost for good in v1: a lock is
//     never released);
//   - receipts (Receipt, VerifyReceipt).
//
// It deliberately does not submit orders (no network: the caller sends
// Payment.Signed over a fresh circuit and hands the votes to Settle),
// fetch the certificate feed (the caller passes certificates to Apply,
// in feed order), or run SQL schema migrations (store's schemaV7). Its
// I/O is the store database (store.DB.Write: one synchronous=FULL
// transaction per state change; memory changes only after the commit);
// every row's content is sealed with the vault (Vault.SealRow), the seed
// is the vault secret "wallet/seed". Randomness and time are injected.
//
// Wallet is safe for concurrent use (one mutex). Two wallets from the
// same seed (two devices) that spend the same coin at once can freeze it
// for good: the package shows it, it cannot prevent it.
package wallet
