-- Listing a state machine's executions that failed, timed out or were
-- aborted (ListExecutions with such a statusFilter, as consoles and the
-- benchmark's sweep do) reads only those rows instead of every execution
-- of the machine. The index holds nothing for running or succeeded
-- executions, so it costs the common path nothing; ExecutionList repeats
-- its condition in the query so that the planner uses it with the status a parameter.
CREATE INDEX executions_unsuccessful ON executions (state_machine_arn, status, started_at, id)
	WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED');
