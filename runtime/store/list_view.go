package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ListView is a personal saved view of the web UI's list of one object: a
// name and the list's query string (columns, filter, sort), seen by its
// owner (UserID) only. The views shared with every user are metadata of
// the object (metadata.ListView), not rows of this table.
type ListView struct {
	ID       string
	TenantID string
	// UserID is the user who saved the view, its owner.
	UserID string
	// ObjectID is the object's stable id, so a view follows a rename.
	ObjectID  string
	Name      string
	Query     string
	CreatedAt time.Time
}

// Limits of a saved view.
const (
	MaxListViewName  = 200
	MaxListViewQuery = 16 << 10
)

const listViewColumns = "id, tenant_id, user_id, object_id, name, query, created_at"

// InsertListView stores a view, giving it an id and a creation time when it
// has none, and returns it as stored.
func InsertListView(ctx context.Context, q Querier, v ListView) (ListView, error) {
	if v.ID == "" {
		v.ID = uuid.Must(uuid.NewV7()).String()
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now()
	}
	v.CreatedAt = v.CreatedAt.UTC().Truncate(time.Microsecond)
	v.Name = truncate(v.Name, MaxListViewName)
	if len(v.Query) > MaxListViewQuery {
		return ListView{}, fmt.Errorf("store: save list view: query is longer than %d bytes", MaxListViewQuery)
	}
	if _, err := q.Exec(ctx, "INSERT INTO list_views ("+listViewColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
		v.ID, v.TenantID, v.UserID, v.ObjectID, v.Name, v.Query, v.CreatedAt); err != nil {
		return ListView{}, fmt.Errorf("store: save list view: %w", err)
	}
	return v, nil
}

// ListViews returns userID's views of an object, by name.
func ListViews(ctx context.Context, q Querier, tenantID, objectID, userID string) ([]ListView, error) {
	out := []ListView{}
	if !validID(tenantID) || !validID(userID) {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT "+listViewColumns+" FROM list_views WHERE tenant_id = $1 AND object_id = $2 AND user_id = $3 ORDER BY name, created_at, id",
		tenantID, objectID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v ListView
		if err := rows.Scan(&v.ID, &v.TenantID, &v.UserID, &v.ObjectID, &v.Name, &v.Query, &v.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: list views: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list views: %w", err)
	}
	return out, nil
}

// ListViewByID returns one of userID's views of the tenant's object;
// ErrNotFound when the user has no view with that id.
func ListViewByID(ctx context.Context, q Querier, tenantID, objectID, userID, id string) (ListView, error) {
	if !validID(tenantID) || !validID(userID) || !validID(id) {
		return ListView{}, ErrNotFound
	}
	var v ListView
	err := q.QueryRow(ctx, "SELECT "+listViewColumns+" FROM list_views WHERE id = $1 AND tenant_id = $2 AND object_id = $3 AND user_id = $4",
		id, tenantID, objectID, userID).Scan(&v.ID, &v.TenantID, &v.UserID, &v.ObjectID, &v.Name, &v.Query, &v.CreatedAt)
	if err != nil {
		return ListView{}, fmt.Errorf("store: list view %s: %w", id, err)
	}
	return v, nil
}

// DeleteListView deletes one of userID's views of the tenant's object;
// ErrNotFound when the user has no view with that id.
func DeleteListView(ctx context.Context, q Querier, tenantID, objectID, userID, id string) error {
	if !validID(tenantID) || !validID(userID) || !validID(id) {
		return ErrNotFound
	}
	n, err := q.Exec(ctx, "DELETE FROM list_views WHERE id = $1 AND tenant_id = $2 AND object_id = $3 AND user_id = $4", id, tenantID, objectID, userID)
	if err != nil {
		return fmt.Errorf("store: delete list view %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
