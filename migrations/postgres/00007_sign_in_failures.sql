-- +goose Up
-- sign_in_failures are the failed sign-ins of the last window (15 minutes
-- by default), counted by runtime/auth to refuse an account or a client
-- address that fails too often. They live in the store, not in a node's
-- memory, so that every node on one database counts the same failures.
-- tenant is the tenant's name as the sign-in gave it (lowercased), or ''
-- for a count over all tenants (a client address): failures of tenants
-- that do not exist count too, so no foreign key. subject is the account's
-- email key or the address. Rows older than the window are deleted as new
-- failures are recorded.
CREATE TABLE sign_in_failures (
    id        uuid PRIMARY KEY,
    tenant    text NOT NULL,
    subject   text NOT NULL,
    failed_at timestamptz NOT NULL
);
-- Counting the failures of one subject, newest first.
CREATE INDEX sign_in_failures_key ON sign_in_failures (tenant, subject, failed_at);
-- Pruning the failures that left the window.
CREATE INDEX sign_in_failures_at ON sign_in_failures (failed_at);

-- +goose Down
DROP TABLE sign_in_failures;
