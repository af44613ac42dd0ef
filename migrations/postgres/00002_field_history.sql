-- +goose Up
-- field_history keeps every change of a tracked field of a record: one row
-- per field per change, written in the transaction of the change. Objects
-- and fields are named by their stable ids, so renames keep their history;
-- field_name is the field's name when the change was made. Values are the
-- JSON the API shows (exact decimals, YYYY-MM-DD dates…); NULL is no value.
CREATE TABLE field_history (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    object_id  text NOT NULL,
    record_id  uuid NOT NULL,
    field_id   text NOT NULL,
    field_name text NOT NULL,
    old_value  jsonb,
    new_value  jsonb,
    changed_by text,
    changed_at timestamptz NOT NULL
);
-- One record's history, newest first (and deleting it with the record).
CREATE INDEX field_history_record ON field_history (tenant_id, object_id, record_id, changed_at DESC, id DESC);

-- +goose Down
DROP TABLE field_history;
