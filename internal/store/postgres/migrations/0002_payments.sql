-- Payments, refunds, the domain-event outbox, idempotency keys, API keys and
-- raw webhook events. Money is amount_minor (integer minor units) plus an
-- ISO 4217 currency. IDs sort bytewise (COLLATE "C"), as on SQLite.

CREATE TABLE payments (
	id                    text COLLATE "C" PRIMARY KEY,
	amount_minor          bigint NOT NULL CHECK (amount_minor > 0),
	currency              char(3) NOT NULL,
	psp                   text NOT NULL,
	capture_method        text NOT NULL,
	created_at            timestamptz NOT NULL,
	customer              text COLLATE "C" NOT NULL DEFAULT '',
	description           text NOT NULL DEFAULT '',
	metadata              bytea,
	psp_reference         text NOT NULL DEFAULT '',
	payment_method        text NOT NULL DEFAULT '',
	card_brand            text NOT NULL DEFAULT '',
	card_last4            text NOT NULL DEFAULT '',
	card_exp_month        integer NOT NULL DEFAULT 0,
	card_exp_year         integer NOT NULL DEFAULT 0,
	status                text NOT NULL,
	amount_captured       bigint NOT NULL DEFAULT 0,
	amount_refunded       bigint NOT NULL DEFAULT 0,
	amount_refund_pending bigint NOT NULL DEFAULT 0,
	failure_code          text NOT NULL DEFAULT '',
	decline_code          text NOT NULL DEFAULT '',
	failure_message       text NOT NULL DEFAULT '',
	next_action_url       text NOT NULL DEFAULT '',
	pending_op            text NOT NULL DEFAULT '',
	create_attempts       integer NOT NULL DEFAULT 0,
	confirm_attempts      integer NOT NULL DEFAULT 0,
	capture_attempts      integer NOT NULL DEFAULT 0,
	cancel_attempts       integer NOT NULL DEFAULT 0,
	last_event_at         timestamptz,
	updated_at            timestamptz NOT NULL,
	version               bigint NOT NULL,
	CHECK (amount_refunded + amount_refund_pending <= amount_captured)
);
CREATE UNIQUE INDEX payments_psp_reference ON payments (psp, psp_reference) WHERE psp_reference <> '';
CREATE INDEX payments_created ON payments (created_at, id);
CREATE INDEX payments_customer ON payments (customer, created_at, id) WHERE customer <> '';
CREATE INDEX payments_status ON payments (status, created_at, id);
CREATE INDEX payments_pending ON payments (updated_at, id) WHERE pending_op <> '';

CREATE TABLE payment_transitions (
	payment_id   text COLLATE "C" NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
	seq          bigint NOT NULL,
	from_status  text NOT NULL,
	to_status    text NOT NULL,
	at           timestamptz NOT NULL,
	cause        text NOT NULL,
	psp_event_id text NOT NULL DEFAULT '',
	detail       text NOT NULL DEFAULT '',
	PRIMARY KEY (payment_id, seq)
);

CREATE TABLE refunds (
	id             text COLLATE "C" PRIMARY KEY,
	payment_id     text COLLATE "C" NOT NULL REFERENCES payments (id),
	amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
	currency       char(3) NOT NULL,
	psp            text NOT NULL,
	reason         text NOT NULL DEFAULT '',
	metadata       bytea,
	created_at     timestamptz NOT NULL,
	status         text NOT NULL,
	psp_reference  text NOT NULL DEFAULT '',
	failure_reason text NOT NULL DEFAULT '',
	pending_op     text NOT NULL DEFAULT '',
	attempts       integer NOT NULL DEFAULT 0,
	updated_at     timestamptz NOT NULL,
	version        bigint NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at, id);
CREATE UNIQUE INDEX refunds_psp_reference ON refunds (psp, psp_reference) WHERE psp_reference <> '';
CREATE INDEX refunds_pending ON refunds (updated_at, id) WHERE pending_op <> '';

-- The outbox: seq orders the events for whoever delivers them.
CREATE TABLE domain_events (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id         text COLLATE "C" NOT NULL UNIQUE,
	type       text COLLATE "C" NOT NULL,
	object_id  text COLLATE "C" NOT NULL,
	data       bytea,
	created_at timestamptz NOT NULL
);
CREATE INDEX domain_events_object ON domain_events (object_id, seq);
CREATE INDEX domain_events_type ON domain_events (type, seq);

-- status is 0 while the first request is in flight.
CREATE TABLE idempotency_keys (
	scope        text COLLATE "C" NOT NULL,
	key          text COLLATE "C" NOT NULL,
	method       text NOT NULL,
	path         text NOT NULL,
	request_hash text NOT NULL,
	created_at   timestamptz NOT NULL,
	status       integer NOT NULL DEFAULT 0,
	body         bytea,
	finished_at  timestamptz,
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- hash is the SHA-256 of the key, hex; the key itself is never stored.
CREATE TABLE api_keys (
	id         text COLLATE "C" PRIMARY KEY,
	kind       text NOT NULL,
	name       text NOT NULL DEFAULT '',
	hint       text NOT NULL,
	hash       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	revoked_at timestamptz
);

CREATE TABLE webhook_events (
	provider     text COLLATE "C" NOT NULL,
	event_id     text COLLATE "C" NOT NULL,
	type         text NOT NULL,
	body         bytea NOT NULL,
	received_at  timestamptz NOT NULL,
	processed_at timestamptz,
	UNIQUE (provider, event_id)
);
