-- +goose Up
-- approval_instances are records submitted to an approval process: one row
-- per submission, pending until approved, rejected or recalled. A record has
-- at most one pending instance. process is the process's API name; objects
-- are named by their stable ids; step is the index of the current step (-1
-- once finished). Every transition locks the instance's row first.
CREATE TABLE approval_instances (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    process      TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'recalled')),
    step         INTEGER NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    comment      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX approval_instances_pending ON approval_instances (tenant_id, record_id) WHERE status = 'pending';
CREATE INDEX approval_instances_record ON approval_instances (tenant_id, record_id, submitted_at);
CREATE INDEX approval_instances_process ON approval_instances (tenant_id, process, status);

-- approval_step_runs are the times a step ran in an instance (a step runs
-- again when a later step sends a rejection back to it): when it started,
-- when it was decided and how.
CREATE TABLE approval_step_runs (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL REFERENCES approval_instances(id) ON DELETE CASCADE,
    step        INTEGER NOT NULL,
    step_name   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'canceled')),
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP
);
CREATE INDEX approval_step_runs_instance ON approval_step_runs (instance_id, started_at);

-- approval_tasks are the decisions asked of approvers: one per user, or one
-- shared by a queue's members (assignee_id NULL, queue set).
-- original_assignee_id is who the task was first given to, before any
-- reassignment. due_at is when it escalates (NULL: never).
CREATE TABLE approval_tasks (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    instance_id          TEXT NOT NULL REFERENCES approval_instances(id) ON DELETE CASCADE,
    step_run_id          TEXT NOT NULL REFERENCES approval_step_runs(id) ON DELETE CASCADE,
    object_id            TEXT NOT NULL,
    record_id            TEXT NOT NULL,
    assignee_id          TEXT,
    queue                TEXT,
    original_assignee_id TEXT,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'canceled')),
    comment              TEXT NOT NULL DEFAULT '',
    acted_by             TEXT,
    acted_at             TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    due_at               TIMESTAMP,
    CHECK ((assignee_id IS NULL) <> (queue IS NULL))
);
CREATE INDEX approval_tasks_assignee ON approval_tasks (tenant_id, assignee_id, status);
CREATE INDEX approval_tasks_queue ON approval_tasks (tenant_id, queue, status);
CREATE INDEX approval_tasks_record ON approval_tasks (record_id, tenant_id, status);
CREATE INDEX approval_tasks_instance ON approval_tasks (instance_id, status);

-- approval_history is every event of an instance, in order: submitted,
-- step started, approved, rejected, reassigned, approver added, escalated,
-- step skipped, recalled, and the final outcome. actor_id is NULL for the
-- system (criteria, timeouts); original_actor_id is the task's assignee
-- when someone else (an admin) acted on it.
CREATE TABLE approval_history (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    instance_id       TEXT NOT NULL REFERENCES approval_instances(id) ON DELETE CASCADE,
    step              INTEGER,
    step_name         TEXT NOT NULL DEFAULT '',
    action            TEXT NOT NULL,
    actor_id          TEXT,
    original_actor_id TEXT,
    comment           TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX approval_history_instance ON approval_history (instance_id, created_at, id);

-- outbox holds events for notifications and integrations, written in the
-- transaction of the change they tell of; consumers read it in id order
-- (ids are UUIDv7, so ordered by time of writing) and remember the last id.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event      TEXT NOT NULL,
    object_id  TEXT NOT NULL DEFAULT '',
    record_id  TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_tenant ON outbox (tenant_id, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE approval_history;
DROP TABLE approval_tasks;
DROP TABLE approval_step_runs;
DROP TABLE approval_instances;
