-- Settings a server generates once and keeps, such as the embedded sandbox
-- PSP's webhook secret, so every start and every node agrees on them.

CREATE TABLE settings (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
