package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const taskCols = `token, execution_arn, task_id, activity_arn, input, created_at, started_at, worker_name, heartbeat_at`

func scanTask(row pgx.Row) (store.Task, error) {
	var t store.Task
	err := row.Scan(&t.Token, &t.ExecutionARN, &t.TaskID, &t.ActivityARN, &t.Input, scanTime(&t.CreatedAt),
		scanTime(&t.StartedAt), &t.WorkerName, scanTime(&t.HeartbeatAt))
	return t, err
}

// TaskCreate inserts the tasks in one statement and, when some were
// refused, deletes the others again.
func (q *queries) TaskCreate(ctx context.Context, tasks ...store.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	n := len(tasks)
	tokens, execs, activities, workers := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	taskIDs, inputs := make([]int64, n), make([][]byte, n)
	created, started, beat := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i, t := range tasks {
		tokens[i], execs[i], activities[i], workers[i] = t.Token, t.ExecutionARN, t.ActivityARN, t.WorkerName
		taskIDs[i], inputs[i] = t.TaskID, t.Input
		created[i], started[i], beat[i] = tz(t.CreatedAt), tz(t.StartedAt), tz(t.HeartbeatAt)
	}
	create := func(db dbtx) error {
		rows, err := db.Query(ctx, `INSERT INTO tasks (`+taskCols+`)
SELECT v.* FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::bytea[], $6::timestamptz[], $7::timestamptz[],
	$8::text[], $9::timestamptz[]) AS v (token, execution_arn, task_id, activity_arn, input, created_at, started_at, worker_name, heartbeat_at)
WHERE EXISTS (SELECT 1 FROM executions e WHERE e.arn = v.execution_arn)
ON CONFLICT DO NOTHING RETURNING token`, tokens, execs, taskIDs, activities, inputs, created, started, workers, beat)
		if err != nil {
			return failed("create tasks", err)
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return failed("create tasks", err)
		}
		if len(done) == n {
			return nil
		}
		if len(done) > 0 {
			if _, err := db.Exec(ctx, `DELETE FROM tasks WHERE token = ANY($1)`, done); err != nil {
				return failed("create tasks", err)
			}
		}
		rows, err = db.Query(ctx, `SELECT arn FROM executions WHERE arn = ANY($1)`, execs)
		if err != nil {
			return failed("create tasks", err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return failed("create tasks", err)
		}
		var missing, taken []string
		for i, t := range tasks {
			switch {
			case !slices.Contains(found, execs[i]):
				missing = append(missing, t.ExecutionARN)
			case !slices.Contains(done, t.Token):
				taken = append(taken, t.Token)
			}
		}
		if missing != nil {
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		}
		return &store.BatchError{Err: store.ErrExists, Keys: taken}
	}
	if n == 1 {
		return q.run(ctx, create)
	}
	return q.atomic(ctx, create)
}

func (q *queries) TaskGet(ctx context.Context, token string) (*store.Task, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	t, err := scanTask(db.QueryRow(ctx, `SELECT `+taskCols+` FROM tasks WHERE token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("task", token)
	}
	if err != nil {
		return nil, failed("task "+token, err)
	}
	return &t, nil
}

func (q *queries) TaskList(ctx context.Context, executionARN string) ([]store.Task, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT `+taskCols+` FROM tasks WHERE execution_arn = $1 ORDER BY task_id, token`, executionARN)
	if err != nil {
		return nil, failed("execution "+executionARN+" tasks", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Task, error) { return scanTask(row) })
	if err != nil {
		return nil, failed("execution "+executionARN+" tasks", err)
	}
	return out, nil
}

// TaskDelete locks the tasks first and deletes only if it locked them all,
// so a token settled concurrently makes the whole call fail.
func (q *queries) TaskDelete(ctx context.Context, tokens ...string) error {
	if len(tokens) == 0 {
		return nil
	}
	distinct := slices.Clone(tokens)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	rows, err := db.Query(ctx, `WITH c AS MATERIALIZED (
	SELECT token FROM tasks WHERE token = ANY($1) ORDER BY token FOR UPDATE
), d AS (
	DELETE FROM tasks WHERE token IN (SELECT token FROM c) AND (SELECT count(*) FROM c) = $2 RETURNING 1
)
SELECT token FROM c`, distinct, len(distinct))
	if err != nil {
		return failed("delete tasks", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return failed("delete tasks", err)
	}
	if len(found) == len(distinct) {
		return nil
	}
	var missing []string
	for _, t := range tokens {
		if !slices.Contains(found, t) {
			missing = append(missing, t)
		}
	}
	return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
}

func (q *queries) TaskHeartbeat(ctx context.Context, token string, at time.Time) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `UPDATE tasks SET heartbeat_at = $2 WHERE token = $1`, token, tz(at))
	if err != nil {
		return failed("task "+token, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("task", token)
	}
	return nil
}

func (q *queries) ActivityTaskClaim(ctx context.Context, activityARN, worker string, now time.Time) (*store.Task, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	t, err := scanTask(db.QueryRow(ctx, `UPDATE tasks t SET started_at = $3, worker_name = $2
FROM (
	SELECT token FROM tasks
	WHERE activity_arn = $1 AND activity_arn <> '' AND started_at IS NULL
	ORDER BY created_at, token LIMIT 1
	FOR UPDATE SKIP LOCKED
) c
WHERE t.token = c.token
RETURNING `+prefixed("t.", taskCols), activityARN, worker, tz(now)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("activity %s has no task waiting: %w", activityARN, store.ErrNotFound)
	}
	if err != nil {
		return nil, failed("activity "+activityARN, err)
	}
	return &t, nil
}

func (q *queries) ActivityCreate(ctx context.Context, a *store.Activity) (*store.Activity, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	out := *a
	err = db.QueryRow(ctx, `INSERT INTO activities (arn, name, created_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING arn, name, created_at`, a.ARN, a.Name, tz(a.CreatedAt)).Scan(&out.ARN, &out.Name, scanTime(&out.CreatedAt))
	if err != nil {
		return nil, failed("activity "+a.Name, err)
	}
	return &out, nil
}

func (q *queries) ActivityGet(ctx context.Context, arn string) (*store.Activity, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var a store.Activity
	err = db.QueryRow(ctx, `SELECT arn, name, created_at FROM activities WHERE arn = $1`, arn).
		Scan(&a.ARN, &a.Name, scanTime(&a.CreatedAt))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("activity", arn)
	}
	if err != nil {
		return nil, failed("activity "+arn, err)
	}
	return &a, nil
}

func (q *queries) ActivityList(ctx context.Context, cur string, limit int) ([]*store.Activity, string, error) {
	limit = store.PageLimit(limit)
	var after string
	if cur != "" {
		if err := cursor.Decode(cur, &after); err != nil {
			return nil, "", err
		}
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, "", err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT arn, name, created_at FROM activities WHERE name > $1 ORDER BY name LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, "", failed("list activities", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Activity, error) {
		var a store.Activity
		err := row.Scan(&a.ARN, &a.Name, scanTime(&a.CreatedAt))
		return &a, err
	})
	if err != nil {
		return nil, "", failed("list activities", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor.Encode(out[limit-1].Name)
	}
	return out, next, nil
}

func (q *queries) ActivityDelete(ctx context.Context, arn string) error {
	return q.deleteTagged(ctx, "activities", "activity", arn)
}

// deleteTagged deletes the row arn of table (a resource that has tags) and,
// when it existed, its tags, in one statement; ErrNotFound when there is
// no such row.
func (q *queries) deleteTagged(ctx context.Context, table, what, arn string) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	var n int
	err = db.QueryRow(ctx, `WITH r AS (DELETE FROM `+table+` WHERE arn = $1 RETURNING arn),
t AS (DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM r))
SELECT count(*) FROM r`, arn).Scan(&n)
	if err != nil {
		return failed(what+" "+arn, err)
	}
	if n == 0 {
		return notFound(what, arn)
	}
	return nil
}

func (q *queries) TagsPut(ctx context.Context, resourceARN string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	keys, values := make([]string, 0, len(tags)), make([]string, 0, len(tags))
	for k, v := range tags {
		keys, values = append(keys, k), append(values, v)
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	_, err = db.Exec(ctx, `INSERT INTO tags (resource_arn, key, value)
SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t (k, v)
ON CONFLICT (resource_arn, key) DO UPDATE SET value = EXCLUDED.value`, resourceARN, keys, values)
	if err != nil {
		return failed("tag "+resourceARN, err)
	}
	return nil
}

func (q *queries) TagsDelete(ctx context.Context, resourceARN string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := db.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2)`, resourceARN, keys); err != nil {
		return failed("untag "+resourceARN, err)
	}
	return nil
}

func (q *queries) TagsList(ctx context.Context, resourceARN string) (map[string]string, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT key, value FROM tags WHERE resource_arn = $1`, resourceARN)
	if err != nil {
		return nil, failed("tags of "+resourceARN, err)
	}
	out := map[string]string{}
	var k, v string
	if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil }); err != nil {
		return nil, failed("tags of "+resourceARN, err)
	}
	return out, nil
}
