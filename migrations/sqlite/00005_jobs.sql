-- +goose Up
-- jobs is the durable queue of background work (approval step timeouts,
-- escalations…), run by runtime/jobs on any node. A job is enqueued in the
-- transaction of the change that asks for it, so it exists if and only if
-- that change committed. kind names the handler; args is its JSON input.
--
-- state is 'pending' (waiting for run_at), 'running' (claimed by a node
-- until locked_until; a node that crashed leaves it to be claimed again when
-- that lease ends) or 'failed' (attempts exhausted; kept with last_error for
-- admins, never retried by itself). A job that succeeds is deleted. attempt
-- counts the runs started; claim_id is a fresh token of each claim, so that
-- a node whose lease ended cannot complete or fail a job claimed since.
--
-- key, when set, names the job among its tenant's jobs of its kind: at most
-- one pending or running job per (tenant, kind, key), and enqueueing again
-- with the key replaces that job's run_at and args.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    key          TEXT,
    args         TEXT,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'failed')),
    run_at       TIMESTAMP NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    claim_id     TEXT,
    last_error   TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK ((state = 'running') = (locked_until IS NOT NULL AND claim_id IS NOT NULL))
);
-- One live job per key (NULL keys never conflict); the upsert of Enqueue.
CREATE UNIQUE INDEX jobs_key ON jobs (tenant_id, kind, key) WHERE state <> 'failed';
-- Claiming: pending jobs by due time, running jobs by lease end.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_lease ON jobs (locked_until) WHERE state = 'running';
-- A tenant's failed jobs, newest first.
CREATE INDEX jobs_failed ON jobs (tenant_id, updated_at DESC, id DESC) WHERE state = 'failed';

-- +goose Down
DROP TABLE jobs;
