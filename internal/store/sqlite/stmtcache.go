package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text, so that a query
// run many times is parsed once per connection instead of at every call.
// database/sql prepares a cached statement lazily on each connection it
// runs on, and Tx.StmtContext reuses the one prepared on the transaction's
// connection.
//
// A statement is prepared on the pool, which needs a free connection: the
// writer's only connection is busy during a transaction, so a query first
// met inside one is prepared on the transaction alone and noted, and warm
// prepares it on the pool before the next transaction begins.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// cached returns the statement of query if it is prepared, else notes it.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.m[query]
	if s == nil {
		c.pending[query] = true
	}
	return s
}

// warm prepares the queries noted inside transactions. Call it with no
// transaction open on the pool.
func (c *stmtCache) warm(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		if s, err := c.db.PrepareContext(ctx, q); err == nil {
			c.put(q, s)
		}
	}
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	s := c.m[query]
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	// Prepared without the lock held: preparing may wait for the
	// connection a transaction holds, and that transaction may need the
	// lock to look a statement up.
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.put(query, s), nil
}

// put stores s unless another caller stored the query first.
func (c *stmtCache) put(query string, s *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		s.Close()
		return old
	}
	c.m[query] = s
	return s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		s.Close()
		delete(c.m, q)
	}
}

// cachedDB runs queries on a pool through its statement cache.
type cachedDB struct{ c *stmtCache }

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := d.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := d.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := d.c.get(ctx, query)
	if err != nil {
		return d.c.db.QueryRowContext(ctx, query, args...) // reports the same error through Row
	}
	return s.QueryRowContext(ctx, args...)
}

// cachedTx runs queries in a transaction through the writer's statement cache.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s := t.c.cached(query); s != nil {
		return t.tx.StmtContext(ctx, s), nil
	}
	return t.tx.PrepareContext(ctx, query)
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// prepare returns query's statement on tx, through the writer's cache.
func (q *queries) prepare(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if q.cache != nil {
		if s := q.cache.cached(query); s != nil {
			return tx.StmtContext(ctx, s), nil
		}
	}
	return tx.PrepareContext(ctx, query)
}
