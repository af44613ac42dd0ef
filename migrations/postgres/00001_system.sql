-- +goose Up
CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    schema_name text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

CREATE TABLE metadata_revisions (
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    revision   integer NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    summary    text NOT NULL,
    document   jsonb NOT NULL,
    PRIMARY KEY (tenant_id, revision)
);

CREATE TABLE autonumbers (
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    field_id   text NOT NULL,
    next_value bigint NOT NULL,
    PRIMARY KEY (tenant_id, field_id)
);

-- +goose Down
DROP TABLE autonumbers;
DROP TABLE metadata_revisions;
DROP TABLE api_tokens;
DROP TABLE tenants;
