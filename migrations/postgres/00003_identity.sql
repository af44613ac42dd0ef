-- +goose Up
-- users are the people of a tenant. Emails are unique per tenant without
-- regard to case: email_key is the email lowercased (by Mosaic, so that both
-- stores fold case alike) and is what sign-in looks up. manager_id names a
-- user of the same tenant (the composite key makes a manager of another
-- tenant impossible); Mosaic refuses cycles. password_hash is an argon2id
-- PHC string, NULL while no password is set (the user cannot sign in).
-- Users are deactivated, never deleted: records name them.
CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email               text NOT NULL,
    email_key           text NOT NULL,
    name                text NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    manager_id          uuid,
    role                text NOT NULL,
    password_hash       text,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (tenant_id, email_key),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX users_manager ON users (tenant_id, manager_id);

-- An API token belongs to a user and acts with that user's permissions,
-- optionally narrower: read_only allows only GET and HEAD; objects, a JSON
-- array of object ids, limits it to those objects (NULL: no limit). Tokens
-- made before users existed belong to their tenant's first administrator
-- (store.Open assigns them).
ALTER TABLE api_tokens
    ADD COLUMN user_id uuid,
    ADD COLUMN read_only boolean NOT NULL DEFAULT false,
    ADD COLUMN objects jsonb,
    ADD CONSTRAINT api_tokens_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE;
CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id);

-- sessions of the web UI. The cookie's value is never stored, only its
-- SHA-256. A session ends at expires_at (absolute) or idle_expires_at
-- (moved forward as it is used), whichever comes first.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id         uuid NOT NULL,
    token_hash      text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    address         text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- audit_log records security-relevant events of a tenant: sign-ins, tokens,
-- users, metadata changes, record deletes. Actors are kept as ids without
-- foreign keys, so entries outlive what they name.
CREATE TABLE audit_log (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at             timestamptz NOT NULL,
    actor_user_id  uuid,
    actor_token_id uuid,
    address        text,
    event          text NOT NULL,
    object_id      text,
    record_id      text,
    detail         jsonb
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at DESC, id DESC);
CREATE INDEX audit_log_event ON audit_log (tenant_id, event, at DESC, id DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE sessions;
DROP INDEX api_tokens_user;
ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_user_fkey,
    DROP COLUMN objects,
    DROP COLUMN read_only,
    DROP COLUMN user_id;
DROP TABLE users;
