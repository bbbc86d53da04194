-- Names and ARNs sort bytewise (COLLATE "C"), as on SQLite, so that pages are stable.

CREATE TABLE state_machines (
	arn         text COLLATE "C" PRIMARY KEY,
	name        text COLLATE "C" NOT NULL UNIQUE,
	type        text NOT NULL,
	definition  text NOT NULL,
	role_arn    text NOT NULL,
	description text NOT NULL DEFAULT '',
	status      text NOT NULL,
	revision_id text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE TABLE state_machine_revisions (
	state_machine_arn text COLLATE "C" NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
	revision_id       text NOT NULL,
	definition        text NOT NULL,
	role_arn          text NOT NULL,
	created_at        timestamptz NOT NULL,
	PRIMARY KEY (state_machine_arn, revision_id)
);

-- id is a surrogate key: history rows carry it instead of the ARN.
CREATE TABLE executions (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	arn               text COLLATE "C" NOT NULL UNIQUE,
	name              text NOT NULL,
	state_machine_arn text COLLATE "C" NOT NULL,
	revision_id       text NOT NULL,
	input             bytea,
	started_at        timestamptz NOT NULL,
	status            text NOT NULL,
	output            bytea,
	error             text NOT NULL DEFAULT '',
	cause             text NOT NULL DEFAULT '',
	stopped_at        timestamptz,
	state             bytea,
	last_event_id     bigint NOT NULL DEFAULT 0,
	due_at            timestamptz,
	owner             text NOT NULL DEFAULT '',
	lease_until       timestamptz,
	redrive_count     integer NOT NULL DEFAULT 0,
	redrive_date      timestamptz,
	version           bigint NOT NULL
);
CREATE INDEX executions_due ON executions (due_at, id)
	WHERE status = 'RUNNING' AND due_at IS NOT NULL;
CREATE INDEX executions_lease ON executions (lease_until, id)
	WHERE status = 'RUNNING' AND owner <> '';
CREATE INDEX executions_machine ON executions (state_machine_arn, started_at, id);

-- No foreign key: HistoryAppend joins executions, and the check would cost
-- a trigger per event.
CREATE TABLE history (
	execution_id bigint NOT NULL,
	id           bigint NOT NULL,
	previous_id  bigint NOT NULL,
	ts           timestamptz NOT NULL,
	type         text NOT NULL,
	details      bytea,
	PRIMARY KEY (execution_id, id)
);

CREATE TABLE tasks (
	token         text COLLATE "C" PRIMARY KEY,
	execution_arn text COLLATE "C" NOT NULL REFERENCES executions (arn) ON DELETE CASCADE,
	task_id       bigint NOT NULL,
	activity_arn  text COLLATE "C" NOT NULL DEFAULT '',
	input         bytea,
	created_at    timestamptz NOT NULL,
	started_at    timestamptz,
	worker_name   text NOT NULL DEFAULT '',
	heartbeat_at  timestamptz
);
CREATE INDEX tasks_execution ON tasks (execution_arn, task_id);
CREATE INDEX tasks_waiting ON tasks (activity_arn, created_at, token)
	WHERE activity_arn <> '' AND started_at IS NULL;

CREATE TABLE activities (
	arn        text COLLATE "C" PRIMARY KEY,
	name       text COLLATE "C" NOT NULL UNIQUE,
	created_at timestamptz NOT NULL
);

CREATE TABLE tags (
	resource_arn text COLLATE "C" NOT NULL,
	key          text COLLATE "C" NOT NULL,
	value        text NOT NULL,
	PRIMARY KEY (resource_arn, key)
);
