-- Settings a server generates once and keeps, such as the embedded sandbox
-- PSP's webhook secret, so every start and every node agrees on them.

CREATE TABLE settings (
	name       text COLLATE "C" PRIMARY KEY,
	value      text NOT NULL,
	created_at timestamptz NOT NULL
);
