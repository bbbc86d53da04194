-- The built-in sandbox PSP's state, so that it survives a restart and is
-- shared by every node: its objects (payment intents, payment methods —
-- brand, last four digits and expiry, never a card number — and refunds)
-- as JSON only it reads, the events it emitted, their webhook deliveries
-- and its processing jobs with their due times, and its idempotency
-- entries. Deliveries and jobs are claimed with FOR UPDATE SKIP LOCKED.

CREATE TABLE sandbox_objects (
	kind       text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	body       bytea NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (kind, id)
);

CREATE TABLE sandbox_events (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id         text COLLATE "C" NOT NULL UNIQUE,
	type       text NOT NULL,
	body       bytea NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE TABLE sandbox_deliveries (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id   text COLLATE "C" NOT NULL,
	event_type text NOT NULL,
	body       bytea NOT NULL,
	due_at     timestamptz NOT NULL,
	attempts   integer NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_deliveries_due ON sandbox_deliveries (due_at, id);

CREATE TABLE sandbox_jobs (
	id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind   text NOT NULL,
	ref    text COLLATE "C" NOT NULL,
	due_at timestamptz NOT NULL
);
CREATE INDEX sandbox_jobs_due ON sandbox_jobs (due_at, id);

CREATE TABLE sandbox_idempotency (
	key         text COLLATE "C" PRIMARY KEY,
	fingerprint text NOT NULL,
	status      integer NOT NULL,
	body        bytea NOT NULL,
	created_at  timestamptz NOT NULL
);
CREATE INDEX sandbox_idempotency_created ON sandbox_idempotency (created_at);
