-- +goose Up
-- field_history keeps every change of a tracked field of a record: one row
-- per field per change, written in the transaction of the change. Objects
-- and fields are named by their stable ids, so renames keep their history;
-- field_name is the field's name when the change was made. Values are the
-- JSON the API shows (exact decimals, YYYY-MM-DD dates…); NULL is no value.
CREATE TABLE field_history (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    object_id  TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    field_id   TEXT NOT NULL,
    field_name TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    changed_by TEXT,
    changed_at TIMESTAMP NOT NULL
);
-- One record's history, newest first (and deleting it with the record).
CREATE INDEX field_history_record ON field_history (tenant_id, object_id, record_id, changed_at DESC, id DESC);

-- +goose Down
DROP TABLE field_history;
