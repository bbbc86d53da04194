-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL means none.

CREATE TABLE state_machines (
	arn         TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	type        TEXT NOT NULL,
	definition  TEXT NOT NULL,
	role_arn    TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	revision_id TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

CREATE TABLE state_machine_revisions (
	state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
	revision_id       TEXT NOT NULL,
	definition        TEXT NOT NULL,
	role_arn          TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	PRIMARY KEY (state_machine_arn, revision_id)
);

-- id is a surrogate key: history rows carry it instead of the ARN.
CREATE TABLE executions (
	id                INTEGER PRIMARY KEY,
	arn               TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	state_machine_arn TEXT NOT NULL,
	revision_id       TEXT NOT NULL,
	input             BLOB,
	started_at        INTEGER NOT NULL,
	status            TEXT NOT NULL,
	output            BLOB,
	error             TEXT NOT NULL DEFAULT '',
	cause             TEXT NOT NULL DEFAULT '',
	stopped_at        INTEGER,
	state             BLOB,
	last_event_id     INTEGER NOT NULL DEFAULT 0,
	due_at            INTEGER,
	owner             TEXT NOT NULL DEFAULT '',
	lease_until       INTEGER,
	redrive_count     INTEGER NOT NULL DEFAULT 0,
	redrive_date      INTEGER,
	version           INTEGER NOT NULL
);
CREATE INDEX executions_due ON executions (due_at, id)
	WHERE status = 'RUNNING' AND due_at IS NOT NULL;
CREATE INDEX executions_lease ON executions (lease_until, id)
	WHERE status = 'RUNNING' AND owner <> '';
CREATE INDEX executions_started ON executions (started_at, id);
CREATE INDEX executions_machine ON executions (state_machine_arn, started_at, id);

CREATE TABLE history (
	execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
	id           INTEGER NOT NULL,
	previous_id  INTEGER NOT NULL,
	ts           INTEGER NOT NULL,
	type         TEXT NOT NULL,
	details      BLOB,
	PRIMARY KEY (execution_id, id)
);

CREATE TABLE tasks (
	token         TEXT PRIMARY KEY,
	execution_arn TEXT NOT NULL REFERENCES executions (arn) ON DELETE CASCADE,
	task_id       INTEGER NOT NULL,
	activity_arn  TEXT NOT NULL DEFAULT '',
	input         BLOB,
	created_at    INTEGER NOT NULL,
	started_at    INTEGER,
	worker_name   TEXT NOT NULL DEFAULT '',
	heartbeat_at  INTEGER
);
CREATE INDEX tasks_execution ON tasks (execution_arn, task_id);
CREATE INDEX tasks_waiting ON tasks (activity_arn, created_at, token)
	WHERE activity_arn <> '' AND started_at IS NULL;

CREATE TABLE activities (
	arn        TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

CREATE TABLE tags (
	resource_arn TEXT NOT NULL,
	key          TEXT NOT NULL,
	value        TEXT NOT NULL,
	PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;
