package records

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// ShareInput is a manual share asked for: to a user (UserID) or to every
// user of a role (Role), exactly one of them, with metadata.ShareRead or
// metadata.ShareEdit access.
type ShareInput struct {
	UserID string
	Role   string
	Access string
}

// Shares returns the manual shares of a record, for its owner or an admin.
func (s *Service) Shares(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string) ([]store.Share, error) {
	if err := s.mayShare(ctx, s.db, rev, obj, actor, id, false); err != nil {
		return nil, err
	}
	return store.ListShares(ctx, s.db, rev.TenantID, obj.Meta.ID, id)
}

// Share shares a record with a user or a role: only its owner or an admin
// may (ErrForbidden for others who see it, ErrNotFound for those who do
// not). Bad input and a second share to the same user or role are a
// *ValidationError.
func (s *Service) Share(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, in ShareInput) (store.Share, error) {
	var errs []FieldError
	switch {
	case (in.UserID == "") == (in.Role == ""):
		errs = append(errs, FieldError{Field: "user_id", Code: "required", Message: "give exactly one of user_id and role"})
	case in.UserID != "" && !validID(in.UserID):
		errs = append(errs, FieldError{Field: "user_id", Code: "not_found", Message: "there is no user " + in.UserID})
	case in.Role != "" && (!rev.Model.HasRole(in.Role) || in.Role == metadata.RoleAdmin):
		errs = append(errs, FieldError{Field: "role", Code: "not_found", Message: "there is no role " + in.Role + " to share with"})
	}
	if in.Access != metadata.ShareRead && in.Access != metadata.ShareEdit {
		errs = append(errs, FieldError{Field: "access", Code: "invalid", Message: `access must be "read" or "edit"`})
	}
	if len(errs) > 0 {
		return store.Share{}, &ValidationError{Errors: errs}
	}
	sh := store.Share{ID: uuid.Must(uuid.NewV7()).String(), TenantID: rev.TenantID, ObjectID: obj.Meta.ID, RecordID: id,
		UserID: in.UserID, Role: in.Role, Access: in.Access, CreatedBy: actor.ID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	// The record is locked while it is shared, so that a share is never
	// left behind by a delete running alongside.
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.mayShare(ctx, tx, rev, obj, actor, id, true); err != nil {
			return err
		}
		return store.InsertShare(ctx, tx, sh)
	})
	var ce *store.ConstraintError
	switch {
	case errors.As(err, &ce) && ce.Kind == store.ConstraintForeignKey:
		return store.Share{}, &ValidationError{Errors: []FieldError{{Field: "user_id", Code: "not_found", Message: "there is no user " + in.UserID}}}
	case errors.As(err, &ce) && ce.Kind == store.ConstraintUnique:
		field := "user_id"
		if in.Role != "" {
			field = "role"
		}
		return store.Share{}, &ValidationError{Conflict: true, Errors: []FieldError{{Field: field, Code: "duplicate", Message: "the record is already shared with them; delete that share first"}}}
	case err != nil:
		return store.Share{}, err
	}
	return sh, nil
}

// Unshare deletes a share of a record, for its owner or an admin;
// ErrNotFound when the record has no such share.
func (s *Service) Unshare(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id, shareID string) error {
	if err := s.mayShare(ctx, s.db, rev, obj, actor, id, false); err != nil {
		return err
	}
	if err := store.DeleteShare(ctx, s.db, rev.TenantID, obj.Meta.ID, id, shareID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		return err
	}
	return nil
}

// mayShare refuses a record the actor may not see (ErrNotFound) and one it
// sees but neither owns nor administers (ErrForbidden).
func (s *Service) mayShare(ctx context.Context, q store.Querier, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, forUpdate bool) error {
	if !validID(id) {
		return ErrNotFound
	}
	rec, err := s.readVisible(ctx, q, rev, obj, actor, id, ModeRead, forUpdate)
	if err != nil {
		return err
	}
	owner, _ := rec[compiled.ColOwnerID].(string)
	if actor.Access != nil && actor.Role != metadata.RoleAdmin && owner != actor.ID {
		return ErrForbidden
	}
	return nil
}
