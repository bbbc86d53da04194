-- Payments, refunds, the domain-event outbox, idempotency keys, API keys and
-- raw webhook events. Money is amount_minor (integer minor units) plus an
-- ISO 4217 currency; times are INTEGER microseconds, UTC.

CREATE TABLE payments (
	id                    TEXT PRIMARY KEY,
	amount_minor          BIGINT NOT NULL CHECK (amount_minor > 0),
	currency              CHAR(3) NOT NULL,
	psp                   TEXT NOT NULL,
	capture_method        TEXT NOT NULL,
	created_at            INTEGER NOT NULL,
	customer              TEXT NOT NULL DEFAULT '',
	description           TEXT NOT NULL DEFAULT '',
	metadata              BLOB,
	psp_reference         TEXT NOT NULL DEFAULT '',
	payment_method        TEXT NOT NULL DEFAULT '',
	card_brand            TEXT NOT NULL DEFAULT '',
	card_last4            TEXT NOT NULL DEFAULT '',
	card_exp_month        INTEGER NOT NULL DEFAULT 0,
	card_exp_year         INTEGER NOT NULL DEFAULT 0,
	status                TEXT NOT NULL,
	amount_captured       BIGINT NOT NULL DEFAULT 0,
	amount_refunded       BIGINT NOT NULL DEFAULT 0,
	amount_refund_pending BIGINT NOT NULL DEFAULT 0,
	failure_code          TEXT NOT NULL DEFAULT '',
	decline_code          TEXT NOT NULL DEFAULT '',
	failure_message       TEXT NOT NULL DEFAULT '',
	next_action_url       TEXT NOT NULL DEFAULT '',
	pending_op            TEXT NOT NULL DEFAULT '',
	create_attempts       INTEGER NOT NULL DEFAULT 0,
	confirm_attempts      INTEGER NOT NULL DEFAULT 0,
	capture_attempts      INTEGER NOT NULL DEFAULT 0,
	cancel_attempts       INTEGER NOT NULL DEFAULT 0,
	last_event_at         INTEGER,
	updated_at            INTEGER NOT NULL,
	version               INTEGER NOT NULL,
	CHECK (amount_refunded + amount_refund_pending <= amount_captured)
);
CREATE UNIQUE INDEX payments_psp_reference ON payments (psp, psp_reference) WHERE psp_reference <> '';
CREATE INDEX payments_created ON payments (created_at, id);
CREATE INDEX payments_customer ON payments (customer, created_at, id) WHERE customer <> '';
CREATE INDEX payments_status ON payments (status, created_at, id);
CREATE INDEX payments_pending ON payments (updated_at, id) WHERE pending_op <> '';

CREATE TABLE payment_transitions (
	payment_id   TEXT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,
	from_status  TEXT NOT NULL,
	to_status    TEXT NOT NULL,
	at           INTEGER NOT NULL,
	cause        TEXT NOT NULL,
	psp_event_id TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (payment_id, seq)
) WITHOUT ROWID;

CREATE TABLE refunds (
	id             TEXT PRIMARY KEY,
	payment_id     TEXT NOT NULL REFERENCES payments (id),
	amount_minor   BIGINT NOT NULL CHECK (amount_minor > 0),
	currency       CHAR(3) NOT NULL,
	psp            TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	metadata       BLOB,
	created_at     INTEGER NOT NULL,
	status         TEXT NOT NULL,
	psp_reference  TEXT NOT NULL DEFAULT '',
	failure_reason TEXT NOT NULL DEFAULT '',
	pending_op     TEXT NOT NULL DEFAULT '',
	attempts       INTEGER NOT NULL DEFAULT 0,
	updated_at     INTEGER NOT NULL,
	version        INTEGER NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at, id);
CREATE UNIQUE INDEX refunds_psp_reference ON refunds (psp, psp_reference) WHERE psp_reference <> '';
CREATE INDEX refunds_pending ON refunds (updated_at, id) WHERE pending_op <> '';

-- The outbox: seq orders the events for whoever delivers them.
CREATE TABLE domain_events (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	object_id  TEXT NOT NULL,
	data       BLOB,
	created_at INTEGER NOT NULL
);
CREATE INDEX domain_events_object ON domain_events (object_id, seq);
CREATE INDEX domain_events_type ON domain_events (type, seq);

-- status is 0 while the first request is in flight.
CREATE TABLE idempotency_keys (
	scope        TEXT NOT NULL,
	key          TEXT NOT NULL,
	method       TEXT NOT NULL,
	path         TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	status       INTEGER NOT NULL DEFAULT 0,
	body         BLOB,
	finished_at  INTEGER,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- hash is the SHA-256 of the key, hex; the key itself is never stored.
CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	hint       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

CREATE TABLE webhook_events (
	provider     TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	type         TEXT NOT NULL,
	body         BLOB NOT NULL,
	received_at  INTEGER NOT NULL,
	processed_at INTEGER,
	UNIQUE (provider, event_id)
);
