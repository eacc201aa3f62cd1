// Package ledger is the pure core of Warren's payment ledger: a
// FastPay-style committee of validators that each vote once per coin, so
// that a certificate of q = n − f votes on an order is final without
// consensus (see docs/ledger.md and shared/ledger.md).
//
// It owns:
//   - the wire types and their strict canonical binary codecs: Coin, Order,
//     SignedOrder, Vote, Refusal, Certificate (bounded before allocating,
//     trailing bytes and non-canonical forms rejected, fuzzed);
//   - the domain-separated digests that every signature covers, each
//     including the network ID;
//   - the Committee (f = (n−1)/3, q = n − f; n = 1 is the dev mode) and
//     VerifyCertificate, which a wallet or a third party runs offline;
//   - the Validator: the voting rule (check, lock durably, then sign) and
//     the idempotent application of certificates, over a Storage interface.
//
// It deliberately does not: touch the network or the disk (Storage is an
// interface; ledgertest has an in-memory double and the SQLite
// implementation lives with the store), know who submits an order, derive
// stealth keys (package stealth) or keep a wallet.
//
// The package does no I/O. Values are plain data: an Order, Coin or
// Certificate is not safe for concurrent mutation but may be read
// concurrently. Committee is immutable after NewCommittee. Validator is
// safe for concurrent use if its Storage is.
package ledger
