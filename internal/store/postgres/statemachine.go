package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const stateMachineCols = `arn, name, type, definition, role_arn, description, status, revision_id, created_at, updated_at`

func scanStateMachine(row pgx.Row) (*store.StateMachine, error) {
	var sm store.StateMachine
	err := row.Scan(&sm.ARN, &sm.Name, &sm.Type, &sm.Definition, &sm.RoleARN, &sm.Description, &sm.Status, &sm.RevisionID,
		scanTime(&sm.CreatedAt), scanTime(&sm.UpdatedAt))
	return &sm, err
}

func (q *queries) StateMachineCreate(ctx context.Context, sm *store.StateMachine) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	// One statement: the revision is inserted only with the machine.
	tag, err := db.Exec(ctx, `WITH sm AS (
	INSERT INTO state_machines (`+stateMachineCols+`)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING arn
)
INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, created_at)
SELECT arn, $8, $4, $5, $9 FROM sm`,
		sm.ARN, sm.Name, string(sm.Type), sm.Definition, sm.RoleARN, sm.Description, string(sm.Status), sm.RevisionID,
		tz(sm.CreatedAt), tz(sm.UpdatedAt))
	if err != nil {
		return failed("state machine "+sm.ARN, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("state machine %s: %w", sm.Name, store.ErrExists)
	}
	return nil
}

func (q *queries) StateMachineGet(ctx context.Context, arn string) (*store.StateMachine, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	sm, err := scanStateMachine(db.QueryRow(ctx, `SELECT `+stateMachineCols+` FROM state_machines WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("state machine", arn)
	}
	if err != nil {
		return nil, failed("state machine "+arn, err)
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
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, "", err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT arn, name, type, '', role_arn, description, status, revision_id, created_at, updated_at
FROM state_machines WHERE name > $1 ORDER BY name LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, "", failed("list state machines", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.StateMachine, error) { return scanStateMachine(row) })
	if err != nil {
		return nil, "", failed("list state machines", err)
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
	err := q.atomic(ctx, func(db dbtx) error {
		var current string
		err := db.QueryRow(ctx, `SELECT revision_id FROM state_machines WHERE arn = $1 FOR UPDATE`, u.ARN).Scan(&current)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("state machine", u.ARN)
		}
		if err != nil {
			return failed("state machine "+u.ARN, err)
		}
		if u.IfRevisionID != "" && u.IfRevisionID != current {
			return fmt.Errorf("state machine %s is at revision %s, not %s: %w", u.ARN, current, u.IfRevisionID, store.ErrConflict)
		}
		tag, err := db.Exec(ctx, `INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, u.ARN, u.RevisionID, u.Definition, u.RoleARN, tz(u.UpdatedAt))
		if err != nil {
			return failed("state machine "+u.ARN+" revision", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("state machine %s revision %s: %w", u.ARN, u.RevisionID, store.ErrExists)
		}
		sm, err = scanStateMachine(db.QueryRow(ctx, `UPDATE state_machines
SET definition = $2, role_arn = $3, description = $4, revision_id = $5, updated_at = $6
WHERE arn = $1 RETURNING `+stateMachineCols, u.ARN, u.Definition, u.RoleARN, u.Description, u.RevisionID, tz(u.UpdatedAt)))
		if err != nil {
			return failed("state machine "+u.ARN, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sm, nil
}

func (q *queries) StateMachineSetStatus(ctx context.Context, arn string, status store.StateMachineStatus) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `UPDATE state_machines SET status = $2 WHERE arn = $1`, arn, string(status))
	if err != nil {
		return failed("state machine "+arn, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("state machine", arn)
	}
	return nil
}

func (q *queries) StateMachineDelete(ctx context.Context, arn string) error {
	return q.deleteTagged(ctx, "state_machines", "state machine", arn) // revisions go by cascade
}

func (q *queries) StateMachineRevisionGet(ctx context.Context, arn, revisionID string) (*store.StateMachineRevision, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rev := store.StateMachineRevision{StateMachineARN: arn, RevisionID: revisionID}
	err = db.QueryRow(ctx, `SELECT definition, role_arn, created_at FROM state_machine_revisions
WHERE state_machine_arn = $1 AND revision_id = $2`, arn, revisionID).Scan(&rev.Definition, &rev.RoleARN, scanTime(&rev.CreatedAt))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("state machine revision", arn+"#"+revisionID)
	}
	if err != nil {
		return nil, failed("state machine "+arn+" revision "+revisionID, err)
	}
	return &rev, nil
}
