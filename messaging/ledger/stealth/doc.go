// Package stealth derives Monero-style one-time keys: a payer turns the
// recipient's public address (A, B) and a fresh secret r into a one-time
// ed25519 owner key P = H_s(8·r·A ‖ i)·G + B for output i, published
// with R = r·G and a one-byte view tag; the recipient finds its outputs
// with the view secret a (8·a·R = 8·r·A) and spends them with the scalar
// x = H_s(…) + b, whose signatures verify with crypto/ed25519.Verify
// under P.
//
// It owns the key schedule from a 32-byte seed (seed words are the
// wallet's business, not done yet), the address encoding, output
// derivation, scanning and RFC 8032 signing from a raw scalar. It knows
// nothing of coins or orders and does no I/O; randomness is injected.
// Keys, ViewKey and SpendKey are immutable after creation (safe for
// concurrent use) until Close, which zeroes their secrets; Close is
// idempotent and must not race with other methods.
package stealth
