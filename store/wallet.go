package store

// schemaV7 holds a user's payment wallet (messaging/ledger/wallet owns the
// queries; the seed is the vault secret "wallet/seed"). Whatever would
// tie the user to coins, amounts, payees or orders is sealed with the
// vault key (Vault.SealRow, label = table name + "/" + hex row ID): the
// coin itself, the signed orders, the certificates. In the clear are
// random row IDs, states and times (Unix nanoseconds), which reveal how
// many coins and payments there are and when, not what they are.
//
//   - wallet_coin: coins found by scanning (spent = 1 once a certificate
//     spent them; rows are kept for the history);
//   - wallet_order: the journal of signed orders, written (durably,
//     synchronous=FULL) before an order is first sent; state 0 pending,
//     1 certified, 2 refused (its inputs are frozen);
//   - wallet_cert: the certificates applied to the wallet.
const schemaV7 = `
CREATE TABLE wallet_coin (
	id     BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16),
	spent  INTEGER NOT NULL CHECK (spent IN (0, 1)),
	found  INTEGER NOT NULL,
	sealed BLOB NOT NULL CHECK (typeof(sealed) = 'blob')
) WITHOUT ROWID;

CREATE TABLE wallet_order (
	n       INTEGER PRIMARY KEY,
	id      BLOB NOT NULL UNIQUE CHECK (typeof(id) = 'blob' AND length(id) = 16),
	state   INTEGER NOT NULL CHECK (state IN (0, 1, 2)),
	created INTEGER NOT NULL,
	sealed  BLOB NOT NULL CHECK (typeof(sealed) = 'blob')
);
CREATE INDEX wallet_order_pending ON wallet_order(n) WHERE state = 0;

CREATE TABLE wallet_cert (
	n       INTEGER PRIMARY KEY,
	id      BLOB NOT NULL UNIQUE CHECK (typeof(id) = 'blob' AND length(id) = 16),
	applied INTEGER NOT NULL,
	sealed  BLOB NOT NULL CHECK (typeof(sealed) = 'blob')
);
`
