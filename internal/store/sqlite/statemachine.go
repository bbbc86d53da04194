package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const stateMachineCols = `arn, name, type, definition, role_arn, description, status, revision_id, created_at, updated_at`

func scanStateMachine(row interface{ Scan(...any) error }) (*store.StateMachine, error) {
	var sm store.StateMachine
	err := row.Scan(&sm.ARN, &sm.Name, &sm.Type, &sm.Definition, &sm.RoleARN, &sm.Description, &sm.Status, &sm.RevisionID,
		nullTime{&sm.CreatedAt}, nullTime{&sm.UpdatedAt})
	return &sm, err
}

func (q *queries) StateMachineCreate(ctx context.Context, sm *store.StateMachine) error {
	return q.atomic(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO state_machines (`+stateMachineCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sm.ARN, sm.Name, sm.Type, sm.Definition, sm.RoleARN, sm.Description, sm.Status, sm.RevisionID,
			micros(sm.CreatedAt), micros(sm.UpdatedAt))
		if err != nil {
			return fmt.Errorf("state machine %s: %w", sm.ARN, err)
		}
		if affected(res) == 0 {
			return fmt.Errorf("state machine %s: %w", sm.Name, store.ErrExists)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, created_at)
VALUES (?, ?, ?, ?, ?)`, sm.ARN, sm.RevisionID, sm.Definition, sm.RoleARN, micros(sm.CreatedAt))
		if err != nil {
			return fmt.Errorf("state machine %s revision: %w", sm.ARN, err)
		}
		return nil
	})
}

func (q *queries) StateMachineGet(ctx context.Context, arn string) (*store.StateMachine, error) {
	sm, err := scanStateMachine(q.r.QueryRowContext(ctx, `SELECT `+stateMachineCols+` FROM state_machines WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("state machine", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", arn, err)
	}
	return sm, nil
}

func (q *queries) StateMachineList(ctx context.Context, cur string, limit int) ([]*store.StateMachine, string, error) {
	limit = store.PageLimit(limit)
	var after string
	if cur != "" {
		if err := cursor.Decode(cur, &after); err != nil {
			return nil, "", err
		}
	}
	rows, err := q.r.QueryContext(ctx, `SELECT arn, name, type, '', role_arn, description, status, revision_id, created_at, updated_at
FROM state_machines WHERE name > ? ORDER BY name LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	defer rows.Close()
	var out []*store.StateMachine
	for rows.Next() {
		sm, err := scanStateMachine(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list state machines: %w", err)
		}
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor.Encode(out[limit-1].Name)
	}
	return out, next, nil
}

func (q *queries) StateMachineUpdate(ctx context.Context, u *store.StateMachineUpdate) (*store.StateMachine, error) {
	var sm *store.StateMachine
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		var current string
		err := tx.QueryRowContext(ctx, `SELECT revision_id FROM state_machines WHERE arn = ?`, u.ARN).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("state machine", u.ARN)
		}
		if err != nil {
			return fmt.Errorf("state machine %s: %w", u.ARN, err)
		}
		if u.IfRevisionID != "" && u.IfRevisionID != current {
			return fmt.Errorf("state machine %s is at revision %s, not %s: %w", u.ARN, current, u.IfRevisionID, store.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, u.ARN, u.RevisionID, u.Definition, u.RoleARN, micros(u.UpdatedAt))
		if err != nil {
			return fmt.Errorf("state machine %s revision: %w", u.ARN, err)
		}
		if affected(res) == 0 {
			return fmt.Errorf("state machine %s revision %s: %w", u.ARN, u.RevisionID, store.ErrExists)
		}
		sm, err = scanStateMachine(tx.QueryRowContext(ctx, `UPDATE state_machines
SET definition = ?, role_arn = ?, description = ?, revision_id = ?, updated_at = ?
WHERE arn = ? RETURNING `+stateMachineCols,
			u.Definition, u.RoleARN, u.Description, u.RevisionID, micros(u.UpdatedAt), u.ARN))
		if err != nil {
			return fmt.Errorf("state machine %s: %w", u.ARN, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sm, nil
}

func (q *queries) StateMachineSetStatus(ctx context.Context, arn string, status store.StateMachineStatus) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE state_machines SET status = ? WHERE arn = ?`, status, arn)
	if err != nil {
		return fmt.Errorf("state machine %s: %w", arn, err)
	}
	if affected(res) == 0 {
		return notFound("state machine", arn)
	}
	return nil
}

func (q *queries) StateMachineDelete(ctx context.Context, arn string) error {
	return q.deleteTagged(ctx, "state_machines", "state machine", arn) // revisions go by cascade
}

func (q *queries) StateMachineRevisionGet(ctx context.Context, arn, revisionID string) (*store.StateMachineRevision, error) {
	rev := store.StateMachineRevision{StateMachineARN: arn, RevisionID: revisionID}
	err := q.r.QueryRowContext(ctx, `SELECT definition, role_arn, created_at FROM state_machine_revisions
WHERE state_machine_arn = ? AND revision_id = ?`, arn, revisionID).Scan(&rev.Definition, &rev.RoleARN, nullTime{&rev.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("state machine revision", arn+"#"+revisionID)
	}
	if err != nil {
		return nil, fmt.Errorf("state machine %s revision %s: %w", arn, revisionID, err)
	}
	return &rev, nil
}
