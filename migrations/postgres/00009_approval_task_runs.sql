-- +goose Up
-- A decision reads the tasks of its step run and cancels the others: both
-- select approval_tasks by step_run_id, which without this index scan the
-- whole table (docs/BENCHMARKS.md, approvals).
CREATE INDEX approval_tasks_run ON approval_tasks (step_run_id, status);

-- +goose Down
DROP INDEX approval_tasks_run;
