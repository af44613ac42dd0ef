-- +goose Up
-- Shared list views are metadata of their object now (list_views in the
-- object's document, changed through revisions); list_views keeps the
-- personal views alone. A view saved as shared before stays its saver's,
-- as a personal view.
ALTER TABLE list_views DROP COLUMN shared;

-- +goose Down
ALTER TABLE list_views ADD COLUMN shared boolean NOT NULL DEFAULT false;
