-- +goose Up
-- record_shares are manual shares: one record opened to one user or to
-- every user of one role, for reading or editing, by the record's owner or
-- an admin. Objects are named by their stable ids; a share goes with its
-- record (deleted in the transaction that deletes it) and with its object.
-- Roles are names: a role deleted from the metadata leaves its shares
-- matching no user.
CREATE TABLE record_shares (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    object_id  text NOT NULL,
    record_id  uuid NOT NULL,
    user_id    uuid,
    role       text,
    access     text NOT NULL CHECK (access IN ('read', 'edit')),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    CHECK ((user_id IS NULL) <> (role IS NULL)),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- The record predicate's EXISTS, a record's shares, and deleting them.
CREATE INDEX record_shares_record ON record_shares (record_id, tenant_id, object_id);
-- One share per record and grantee.
CREATE UNIQUE INDEX record_shares_user ON record_shares (tenant_id, record_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX record_shares_role ON record_shares (tenant_id, record_id, role) WHERE role IS NOT NULL;

-- +goose Down
DROP TABLE record_shares;
