-- +goose Up
-- bundle_installs are the app bundles installed in a tenant: one row per
-- bundle with the version installed, how its signature checked out
-- (built_in, trusted, unsigned), and its manifest and metadata as
-- installed (JSON), which the next upgrade merges against to keep the
-- tenant's customizations.
CREATE TABLE bundle_installs (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    version      TEXT NOT NULL,
    publisher    TEXT NOT NULL,
    signature    TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    model        TEXT NOT NULL,
    installed_at TIMESTAMP NOT NULL,
    installed_by TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, name),
    UNIQUE (tenant_id, namespace)
);

-- trusted_publishers are the ed25519 public keys (base64) whose signed
-- bundles a tenant installs.
CREATE TABLE trusted_publishers (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    public_key TEXT NOT NULL,
    name       TEXT NOT NULL,
    added_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, public_key)
);

-- bundle_uploads are packed bundles an administrator uploaded to a
-- tenant's catalog, kept as the archive itself.
CREATE TABLE bundle_uploads (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    publisher   TEXT NOT NULL,
    signed_by   TEXT NOT NULL DEFAULT '',
    archive     BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, name, version)
);

-- +goose Down
DROP TABLE bundle_uploads;
DROP TABLE trusted_publishers;
DROP TABLE bundle_installs;
