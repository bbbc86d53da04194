// Package store is the storage contract: the records, the Queries and Store
// interfaces, and the errors callers branch on. Two backends implement it,
// store/sqlite and store/postgres, and both pass store/storetest.
//
// # Schema
//
// Both backends have the same tables (see their migrations/):
//
//   - state_machines: one row per machine with its current definition;
//     state_machine_revisions keeps every definition by (machine ARN,
//     revision ID), so an execution finds the revision it started with after
//     an update.
//   - executions: the API fields, the engine's snapshot (state, opaque), the
//     next timer (due_at), the claim (owner, lease_until) and a version for
//     optimistic concurrency. A surrogate integer id keeps history rows small.
//     Partial indexes cover due RUNNING executions and RUNNING executions
//     with an owner, so claiming touches only those.
//   - history: (execution id, event id) → previous id, timestamp, type and
//     details (JSON, opaque).
//   - tasks: callback and activity tasks by token; a partial index finds the
//     oldest unstarted task of an activity.
//   - activities, tags (resource ARN, key → value).
//   - schema_migrations: the applied migrations/NNNN_name.sql files. Each
//     runs in one transaction; PostgreSQL holds an advisory lock so that
//     nodes starting together apply it once.
//
// Times are UTC truncated to microseconds (INTEGER microseconds on SQLite,
// timestamptz on PostgreSQL); the zero time.Time is NULL.
//
// # Group commit
//
// The durable runner steps many executions and stores all their snapshots
// and history events in one InTx, with one ExecutionSave and one
// HistoryAppend call. SQLite runs them as prepared statements on its single
// writer connection, so one commit (one WAL fsync) covers the batch.
// PostgreSQL sends each call as one statement over arrays (unnest), so a
// batch costs four round trips: BEGIN, save, append, COMMIT.
//
// Every method is atomic: on error it has changed nothing, and inside InTx
// the transaction stays usable after ErrNotFound, ErrConflict and ErrExists.
// SQLite wraps multi-statement methods in a savepoint; PostgreSQL writes
// each in a single statement that checks before it writes (ExecutionSave
// locks the rows and updates only if every version matches), undoing the
// rare partial insert a concurrent writer can cause. Batch errors are
// *BatchError values naming the offending keys.
//
// # Claims
//
// An execution is worked on by the node that claims it: ExecutionClaimDue
// takes RUNNING executions whose next timer is due and whose lease is free
// or has run out, setting owner and lease_until (FOR UPDATE SKIP LOCKED on
// PostgreSQL, so nodes never wait for or take each other's rows; SQLite
// serialises claims on its writer). ExecutionClaimExpired takes over
// RUNNING executions whose owner's lease ran out, due or not: the work a
// crashed node left. ExecutionClaim takes one execution, for API calls that
// must step it now.
//
// A lease is not a lock: a claim increments the version, so a node that
// lost its lease (a long pause) fails its next ExecutionSave with
// ErrConflict instead of overwriting the new owner's work. ExecutionSave
// also writes owner and lease_until, so the runner releases or keeps its
// claim in the same statement that stores the step.
package store
