-- +goose Up
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    schema_name TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

CREATE TABLE metadata_revisions (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    revision   INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    summary    TEXT NOT NULL,
    document   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, revision)
);

CREATE TABLE autonumbers (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    field_id   TEXT NOT NULL,
    next_value INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, field_id)
);

-- +goose Down
DROP TABLE autonumbers;
DROP TABLE metadata_revisions;
DROP TABLE api_tokens;
DROP TABLE tenants;
