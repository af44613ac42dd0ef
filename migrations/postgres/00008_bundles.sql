-- +goose Up
-- bundle_installs are the app bundles installed in a tenant: one row per
-- bundle with the version installed, how its signature checked out
-- (built_in, trusted, unsigned), and its manifest and metadata as
-- installed (JSON), which the next upgrade merges against to keep the
-- tenant's customizations.
CREATE TABLE bundle_installs (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         text NOT NULL,
    namespace    text NOT NULL,
    version      text NOT NULL,
    publisher    text NOT NULL,
    signature    text NOT NULL,
    manifest     text NOT NULL,
    model        text NOT NULL,
    installed_at timestamptz NOT NULL,
    installed_by text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name),
    UNIQUE (tenant_id, namespace)
);

-- trusted_publishers are the ed25519 public keys (base64) whose signed
-- bundles a tenant installs.
CREATE TABLE trusted_publishers (
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    public_key text NOT NULL,
    name       text NOT NULL,
    added_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, public_key)
);

-- bundle_uploads are packed bundles an administrator uploaded to a
-- tenant's catalog, kept as the archive itself.
CREATE TABLE bundle_uploads (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        text NOT NULL,
    version     text NOT NULL,
    namespace   text NOT NULL,
    publisher   text NOT NULL,
    signed_by   text NOT NULL DEFAULT '',
    archive     bytea NOT NULL,
    uploaded_at timestamptz NOT NULL,
    UNIQUE (tenant_id, name, version)
);

-- +goose Down
DROP TABLE bundle_uploads;
DROP TABLE trusted_publishers;
DROP TABLE bundle_installs;
