-- +goose Up
-- list_views are the saved views of the web UI's record lists: a name and
-- the list's query string (columns, filter, sort) on one object, named by
-- its stable id. A personal view (shared false) is its owner's alone; a
-- shared one, saved by an administrator, is offered to every user of the
-- tenant. A view goes with its owner.
CREATE TABLE list_views (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    object_id  text NOT NULL,
    name       text NOT NULL,
    query      text NOT NULL,
    shared     boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- The views offered on an object's list: shared ones and the user's own.
CREATE INDEX list_views_object ON list_views (tenant_id, object_id, user_id);

-- +goose Down
DROP TABLE list_views;
