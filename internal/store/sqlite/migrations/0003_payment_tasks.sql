-- Payments inside state machines: the task tokens waiting on a payment, and
-- the outbox of task resumptions written when a payment ends (delivered to
-- the engine after the commit). Times are INTEGER microseconds, UTC.

CREATE TABLE payment_tasks (
	payment_id TEXT NOT NULL REFERENCES payments (id),
	task_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (payment_id, task_token)
) WITHOUT ROWID;

CREATE TABLE task_resumptions (
	task_token   TEXT PRIMARY KEY,
	payment_id   TEXT NOT NULL,
	outcome      TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
	output       BLOB,
	error        TEXT NOT NULL DEFAULT '',
	cause        TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	due_at       INTEGER NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_at INTEGER
) WITHOUT ROWID;
CREATE INDEX task_resumptions_due ON task_resumptions (due_at, task_token) WHERE delivered_at IS NULL;
