-- Payments inside state machines: the task tokens waiting on a payment, and
-- the outbox of task resumptions written when a payment ends (delivered to
-- the engine after the commit).

CREATE TABLE payment_tasks (
	payment_id text COLLATE "C" NOT NULL REFERENCES payments (id),
	task_token text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (payment_id, task_token)
);

CREATE TABLE task_resumptions (
	task_token   text COLLATE "C" PRIMARY KEY,
	payment_id   text COLLATE "C" NOT NULL,
	outcome      text NOT NULL CHECK (outcome IN ('success', 'failure')),
	output       bytea,
	error        text NOT NULL DEFAULT '',
	cause        text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	due_at       timestamptz NOT NULL,
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	delivered_at timestamptz
);
CREATE INDEX task_resumptions_due ON task_resumptions (due_at, task_token) WHERE delivered_at IS NULL;
