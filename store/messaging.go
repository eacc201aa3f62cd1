package store

// schemaV4 holds a user's private messaging (messaging/messenger owns the
// queries): contacts, the outbox, the inbox, and the mailbox message IDs
// already processed. Everything that would say who the user talks to, or
// what they said, is sealed with the vault key (Vault.SealRow); in the
// clear are random IDs, counters, states and times. Times are Unix
// nanoseconds, 0 meaning never.
const schemaV4 = `
CREATE TABLE contact (
	id      BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16),
	created INTEGER NOT NULL,
	sealed  BLOB NOT NULL CHECK (typeof(sealed) = 'blob')
) WITHOUT ROWID;

CREATE TABLE outbox (
	n         INTEGER PRIMARY KEY,
	id        BLOB NOT NULL UNIQUE CHECK (typeof(id) = 'blob' AND length(id) = 16),
	contact   BLOB NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
	kind      INTEGER NOT NULL CHECK (kind IN (1, 2, 3, 4)), -- text, receipt, contact request, payment
	envelope  BLOB NOT NULL CHECK (typeof(envelope) = 'blob' AND length(envelope) <= 16384), -- emptied once delivered or failed
	body      BLOB,
	state     INTEGER NOT NULL CHECK (state IN (0, 1, 2, 3)),
	why       TEXT NOT NULL,
	tries     INTEGER NOT NULL CHECK (tries >= 0),
	next_try  INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	sent      INTEGER NOT NULL,
	delivered INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_try);
CREATE INDEX outbox_contact ON outbox(contact, n);

CREATE TABLE inbox (
	n        INTEGER PRIMARY KEY,
	id       BLOB NOT NULL UNIQUE CHECK (typeof(id) = 'blob' AND length(id) = 16),
	contact  BLOB REFERENCES contact(id) ON DELETE SET NULL,
	seq      INTEGER NOT NULL,
	sent     INTEGER NOT NULL,
	received INTEGER NOT NULL,
	body     BLOB NOT NULL
);
CREATE INDEX inbox_contact ON inbox(contact, seq);

CREATE TABLE seen (
	id BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16)
) WITHOUT ROWID;
`

// schemaV5 remembers, for a processed mailbox message that carried a
// text, the text's ID (a copy that arrives again is answered with a
// receipt again, at most once a minute) and when it was processed or last
// answered (rows older than a mailbox keeps messages are removed), and
// indexes only the outbox rows still to deliver, so a contact's sender
// does not scan its whole history.
const schemaV5 = `
ALTER TABLE seen ADD COLUMN msg BLOB CHECK (msg IS NULL OR (typeof(msg) = 'blob' AND length(msg) = 16));
ALTER TABLE seen ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX seen_at ON seen(at);
CREATE INDEX outbox_pending ON outbox(contact, n) WHERE state IN (0, 1);
`
