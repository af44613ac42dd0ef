-- +goose Up
-- users are the people of a tenant. Emails are unique per tenant without
-- regard to case: email_key is the email lowercased (by Mosaic, so that both
-- stores fold case alike) and is what sign-in looks up. manager_id names a
-- user of the same tenant (the composite key makes a manager of another
-- tenant impossible); Mosaic refuses cycles. password_hash is an argon2id
-- PHC string, NULL while no password is set (the user cannot sign in).
-- Users are deactivated, never deleted: records name them.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    email_key           TEXT NOT NULL,
    name                TEXT NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT 1,
    manager_id          TEXT,
    role                TEXT NOT NULL,
    password_hash       TEXT,
    password_changed_at TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
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
ALTER TABLE api_tokens ADD COLUMN user_id TEXT REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN objects TEXT;
CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id);

-- sessions of the web UI. The cookie's value is never stored, only its
-- SHA-256. A session ends at expires_at (absolute) or idle_expires_at
-- (moved forward as it is used), whichever comes first.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    last_seen_at    TIMESTAMP NOT NULL,
    idle_expires_at TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- audit_log records security-relevant events of a tenant: sign-ins, tokens,
-- users, metadata changes, record deletes. Actors are kept as ids without
-- foreign keys, so entries outlive what they name.
CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at             TIMESTAMP NOT NULL,
    actor_user_id  TEXT,
    actor_token_id TEXT,
    address        TEXT,
    event          TEXT NOT NULL,
    object_id      TEXT,
    record_id      TEXT,
    detail         TEXT
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at DESC, id DESC);
CREATE INDEX audit_log_event ON audit_log (tenant_id, event, at DESC, id DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE sessions;
DROP INDEX api_tokens_user;
-- SQLite cannot drop a column that has a foreign key: rebuild the table.
CREATE TABLE api_tokens_before_identity (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
INSERT INTO api_tokens_before_identity (id, tenant_id, name, token_hash, created_at, last_used_at, revoked_at)
    SELECT id, tenant_id, name, token_hash, created_at, last_used_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_before_identity RENAME TO api_tokens;
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);
DROP TABLE users;
