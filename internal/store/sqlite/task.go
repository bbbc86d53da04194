package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const taskCols = `token, execution_arn, task_id, activity_arn, input, created_at, started_at, worker_name, heartbeat_at`

func scanTask(row interface{ Scan(...any) error }) (store.Task, error) {
	var t store.Task
	err := row.Scan(&t.Token, &t.ExecutionARN, &t.TaskID, &t.ActivityARN, &t.Input, nullTime{&t.CreatedAt},
		nullTime{&t.StartedAt}, &t.WorkerName, nullTime{&t.HeartbeatAt})
	return t, err
}

func (q *queries) TaskCreate(ctx context.Context, tasks ...store.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `INSERT INTO tasks (`+taskCols+`)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM executions WHERE arn = ?)
ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("create tasks: %w", err)
		}
		defer stmt.Close()
		var missing, taken []string
		for _, t := range tasks {
			res, err := stmt.ExecContext(ctx, t.Token, t.ExecutionARN, t.TaskID, t.ActivityARN, blob(t.Input), micros(t.CreatedAt),
				micros(t.StartedAt), t.WorkerName, micros(t.HeartbeatAt), t.ExecutionARN)
			if err != nil {
				return fmt.Errorf("task %s: %w", t.Token, err)
			}
			if affected(res) == 1 {
				continue
			}
			ok, err := exists(ctx, tx, `SELECT 1 FROM executions WHERE arn = ?`, t.ExecutionARN)
			if err != nil {
				return fmt.Errorf("task %s: %w", t.Token, err)
			}
			if ok {
				taken = append(taken, t.Token)
			} else {
				missing = append(missing, t.ExecutionARN)
			}
		}
		switch {
		case missing != nil:
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		case taken != nil:
			return &store.BatchError{Err: store.ErrExists, Keys: taken}
		}
		return nil
	})
}

func (q *queries) TaskGet(ctx context.Context, token string) (*store.Task, error) {
	t, err := scanTask(q.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("task", token)
	}
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", token, err)
	}
	return &t, nil
}

func (q *queries) TaskList(ctx context.Context, executionARN string) ([]store.Task, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE execution_arn = ? ORDER BY task_id, token`, executionARN)
	if err != nil {
		return nil, fmt.Errorf("execution %s tasks: %w", executionARN, err)
	}
	defer rows.Close()
	var out []store.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("execution %s tasks: %w", executionARN, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("execution %s tasks: %w", executionARN, err)
	}
	return out, nil
}

func (q *queries) TaskDelete(ctx context.Context, tokens ...string) error {
	if len(tokens) == 0 {
		return nil
	}
	tokens = slices.Compact(slices.Sorted(slices.Values(tokens)))
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `DELETE FROM tasks WHERE token = ?`)
		if err != nil {
			return fmt.Errorf("delete tasks: %w", err)
		}
		defer stmt.Close()
		var missing []string
		for _, token := range tokens {
			res, err := stmt.ExecContext(ctx, token)
			if err != nil {
				return fmt.Errorf("task %s: %w", token, err)
			}
			if affected(res) == 0 {
				missing = append(missing, token)
			}
		}
		if missing != nil {
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		}
		return nil
	})
}

func (q *queries) TaskHeartbeat(ctx context.Context, token string, at time.Time) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE tasks SET heartbeat_at = ? WHERE token = ?`, micros(at), token)
	if err != nil {
		return fmt.Errorf("task %s: %w", token, err)
	}
	if affected(res) == 0 {
		return notFound("task", token)
	}
	return nil
}

func (q *queries) ActivityTaskClaim(ctx context.Context, activityARN, worker string, now time.Time) (*store.Task, error) {
	t, err := scanTask(q.writer().QueryRowContext(ctx, `UPDATE tasks SET started_at = ?, worker_name = ?
WHERE token = (
	SELECT token FROM tasks
	WHERE activity_arn = ? AND activity_arn <> '' AND started_at IS NULL
	ORDER BY created_at, token LIMIT 1)
RETURNING `+taskCols, micros(now), worker, activityARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("activity %s has no task waiting: %w", activityARN, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("activity %s: %w", activityARN, err)
	}
	return &t, nil
}

func (q *queries) ActivityCreate(ctx context.Context, a *store.Activity) (*store.Activity, error) {
	out := *a
	err := q.writer().QueryRowContext(ctx, `INSERT INTO activities (arn, name, created_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET name = excluded.name
RETURNING arn, name, created_at`, a.ARN, a.Name, micros(a.CreatedAt)).Scan(&out.ARN, &out.Name, nullTime{&out.CreatedAt})
	if err != nil {
		return nil, fmt.Errorf("activity %s: %w", a.Name, err)
	}
	return &out, nil
}

func (q *queries) ActivityGet(ctx context.Context, arn string) (*store.Activity, error) {
	var a store.Activity
	err := q.r.QueryRowContext(ctx, `SELECT arn, name, created_at FROM activities WHERE arn = ?`, arn).
		Scan(&a.ARN, &a.Name, nullTime{&a.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("activity", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("activity %s: %w", arn, err)
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
	rows, err := q.r.QueryContext(ctx, `SELECT arn, name, created_at FROM activities WHERE name > ? ORDER BY name LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	defer rows.Close()
	var out []*store.Activity
	for rows.Next() {
		var a store.Activity
		if err := rows.Scan(&a.ARN, &a.Name, nullTime{&a.CreatedAt}); err != nil {
			return nil, "", fmt.Errorf("list activities: %w", err)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
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

// deleteTagged deletes the row arn of table (a resource that has tags) and
// its tags; ErrNotFound, and nothing deleted, when there is no such row.
func (q *queries) deleteTagged(ctx context.Context, table, what, arn string) error {
	return q.atomic(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE arn = ?`, arn)
		if err != nil {
			return fmt.Errorf("%s %s: %w", what, arn, err)
		}
		if affected(res) == 0 {
			return notFound(what, arn)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
			return fmt.Errorf("%s %s tags: %w", what, arn, err)
		}
		return nil
	})
}

func (q *queries) TagsPut(ctx context.Context, resourceARN string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`)
		if err != nil {
			return fmt.Errorf("tag %s: %w", resourceARN, err)
		}
		defer stmt.Close()
		for k, v := range tags {
			if _, err := stmt.ExecContext(ctx, resourceARN, k, v); err != nil {
				return fmt.Errorf("tag %s: %w", resourceARN, err)
			}
		}
		return nil
	})
}

func (q *queries) TagsDelete(ctx context.Context, resourceARN string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`)
		if err != nil {
			return fmt.Errorf("untag %s: %w", resourceARN, err)
		}
		defer stmt.Close()
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, resourceARN, k); err != nil {
				return fmt.Errorf("untag %s: %w", resourceARN, err)
			}
		}
		return nil
	})
}

func (q *queries) TagsList(ctx context.Context, resourceARN string) (map[string]string, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT key, value FROM tags WHERE resource_arn = ?`, resourceARN)
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", resourceARN, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("tags of %s: %w", resourceARN, err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tags of %s: %w", resourceARN, err)
	}
	return out, nil
}
