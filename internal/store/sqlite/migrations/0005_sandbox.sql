-- The built-in sandbox PSP's state, so that it survives a restart and is
-- shared by every node: its objects (payment intents, payment methods —
-- brand, last four digits and expiry, never a card number — and refunds)
-- as JSON only it reads, the events it emitted, their webhook deliveries
-- and its processing jobs with their due times, and its idempotency
-- entries. Times are INTEGER microseconds, UTC.

CREATE TABLE sandbox_objects (
	kind       TEXT NOT NULL,
	id         TEXT NOT NULL,
	body       BLOB NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TABLE sandbox_events (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	body       BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE sandbox_deliveries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a late answer cannot hit a newer delivery
	event_id   TEXT NOT NULL,
	event_type TEXT NOT NULL,
	body       BLOB NOT NULL,
	due_at     INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_deliveries_due ON sandbox_deliveries (due_at, id);

CREATE TABLE sandbox_jobs (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	kind   TEXT NOT NULL,
	ref    TEXT NOT NULL,
	due_at INTEGER NOT NULL
);
CREATE INDEX sandbox_jobs_due ON sandbox_jobs (due_at, id);

CREATE TABLE sandbox_idempotency (
	key         TEXT PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	status      INTEGER NOT NULL,
	body        BLOB NOT NULL,
	created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sandbox_idempotency_created ON sandbox_idempotency (created_at);
