package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// DefaultRole is the role of a user created without one.
const DefaultRole = "standard"

// RolePattern is what a role's API name must match (as an object's name).
var RolePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Limits of user fields.
const (
	maxEmailLength = 254
	maxNameLength  = 200
)

// Codes of field errors.
const (
	CodeRequired  = "required"
	CodeInvalid   = "invalid"
	CodeTooLong   = "too_long"
	CodeTaken     = "taken"
	CodeCycle     = "cycle"
	CodeLastAdmin = "last_admin"
	CodeTooShort  = "too_short"
	// CodeUnknownRole: a role that is neither built in nor defined in the
	// tenant's metadata.
	CodeUnknownRole = "unknown_role"
)

// FieldError is one refused member of an input.
type FieldError struct {
	Field, Code, Message string
}

// InputError is an input refused, with every field error at once.
// Conflict is set when the input is well-formed but collides with what is
// stored (an email in use, the last administrator).
type InputError struct {
	Errors   []FieldError
	Conflict bool
}

func (e *InputError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Field + ": " + fe.Message
	}
	return "auth: " + strings.Join(msgs, "; ")
}

func (e *InputError) add(field, code, format string, args ...any) {
	e.Errors = append(e.Errors, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (e *InputError) orNil() error {
	if len(e.Errors) == 0 {
		return nil
	}
	return e
}

// UserInput is a new user.
type UserInput struct {
	Email string
	// Name defaults to the email's local part.
	Name string
	// Role defaults to DefaultRole.
	Role string
	// ManagerID is the id of a user of the tenant, "" for none.
	ManagerID string
	// Password is "" for none (the user cannot sign in until one is set).
	Password string
	// KnownRole, when set, reports whether a role exists (is built in or
	// defined in the tenant's metadata); a role it does not know is refused.
	KnownRole func(role string) bool
}

// UserChange is a change of a user; nil members stay as they are.
type UserChange struct {
	Email, Name, Role *string
	// ManagerID set to "" removes the manager.
	ManagerID *string
	Active    *bool
	// KnownRole is as UserInput's.
	KnownRole func(role string) bool
}

func checkEmail(errs *InputError, email string) {
	switch {
	case email == "":
		errs.add("email", CodeRequired, "an email is required")
	case len(email) > maxEmailLength:
		errs.add("email", CodeTooLong, "an email has at most %d characters", maxEmailLength)
	default:
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || a.Name != "" {
			errs.add("email", CodeInvalid, "%q is not an email address such as name@example.com", email)
		}
	}
}

func checkName(errs *InputError, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		errs.add("name", CodeRequired, "a name is required")
	case utf8.RuneCountInString(name) > maxNameLength:
		errs.add("name", CodeTooLong, "a name has at most %d characters", maxNameLength)
	}
}

func checkRole(errs *InputError, role string, known func(string) bool) {
	switch {
	case !RolePattern.MatchString(role):
		errs.add("role", CodeInvalid, "a role is an API name: a lowercase letter, then up to 39 lowercase letters, digits or underscores")
	case known != nil && !known(role):
		errs.add("role", CodeUnknownRole, "there is no role %q: use admin, standard or a role defined at PUT /api/v1/roles", role)
	}
}

func checkManagerID(errs *InputError, id string) {
	if id == "" {
		return
	}
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		errs.add("manager_id", CodeInvalid, "the manager must be the id of a user of the tenant")
	}
}

// PasswordError returns the field error of a password CheckPassword
// refuses, under the field name given.
func PasswordError(field, password string) error {
	err := CheckPassword(password)
	if err == nil {
		return nil
	}
	code := CodeInvalid
	switch {
	case errors.Is(err, ErrPasswordTooShort):
		code = CodeTooShort
	case errors.Is(err, ErrPasswordTooLong):
		code = CodeTooLong
	}
	return &InputError{Errors: []FieldError{{Field: field, Code: code, Message: err.Error()}}}
}

// storeError turns the store's refusals of a user write into field errors.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrUserExists):
		return &InputError{Conflict: true, Errors: []FieldError{{Field: "email", Code: CodeTaken, Message: "another user of the tenant has this email"}}}
	case errors.Is(err, store.ErrManagerCycle):
		return &InputError{Errors: []FieldError{{Field: "manager_id", Code: CodeCycle, Message: "the user would manage itself through the chain of managers"}}}
	case errors.Is(err, store.ErrInvalidManager):
		return &InputError{Errors: []FieldError{{Field: "manager_id", Code: CodeInvalid, Message: "the manager must be another user of the tenant"}}}
	case errors.Is(err, store.ErrLastAdmin):
		return &InputError{Conflict: true, Errors: []FieldError{{Field: "role", Code: CodeLastAdmin, Message: "the tenant must keep an active administrator"}}}
	}
	return err
}

// CreateUser checks and creates a user of the tenant, hashing its password
// if one is given, and audits it.
func (s *Service) CreateUser(ctx context.Context, tenantID string, in UserInput, by Actor) (store.User, error) {
	in.Email = strings.TrimSpace(in.Email)
	if in.Name == "" {
		in.Name, _, _ = strings.Cut(in.Email, "@")
	}
	if in.Role == "" {
		in.Role = DefaultRole
	}
	errs := &InputError{}
	checkEmail(errs, in.Email)
	checkName(errs, in.Name)
	checkRole(errs, in.Role, in.KnownRole)
	checkManagerID(errs, in.ManagerID)
	if in.Password != "" {
		var pe *InputError
		if errors.As(PasswordError("password", in.Password), &pe) {
			errs.Errors = append(errs.Errors, pe.Errors...)
		}
	}
	if err := errs.orNil(); err != nil {
		return store.User{}, err
	}
	var hash string
	if in.Password != "" {
		var err error
		if hash, err = HashPassword(in.Password, *s.cfg.Params); err != nil {
			return store.User{}, err
		}
	}
	var u store.User
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		u, err = store.CreateUser(ctx, tx, store.NewUser{
			TenantID: tenantID, Email: in.Email, Name: in.Name, Role: in.Role, ManagerID: in.ManagerID, PasswordHash: hash,
		})
		if err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, EventUserCreated, map[string]any{
			"user_id": u.ID, "email": u.Email, "name": u.Name, "role": u.Role, "manager_id": nilIfEmpty(u.ManagerID), "password_set": hash != "",
		})
	})
	if err != nil {
		return store.User{}, storeError(err)
	}
	return u, nil
}

// UpdateUser checks and applies a change of a user of the tenant, and
// audits it: user.deactivated or user.activated when the active flag
// changes, else user.updated, with the changed fields. A change that
// changes nothing is not audited. A deactivated user's sessions end.
func (s *Service) UpdateUser(ctx context.Context, tenantID, id string, ch UserChange, by Actor) (store.User, error) {
	errs := &InputError{}
	if ch.Email != nil {
		e := strings.TrimSpace(*ch.Email)
		ch.Email = &e
		checkEmail(errs, e)
	}
	if ch.Name != nil {
		checkName(errs, *ch.Name)
	}
	if ch.Role != nil {
		checkRole(errs, *ch.Role, ch.KnownRole)
	}
	if ch.ManagerID != nil {
		checkManagerID(errs, *ch.ManagerID)
	}
	if err := errs.orNil(); err != nil {
		return store.User{}, err
	}
	var after store.User
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		before, a, err := store.UpdateUser(ctx, tx, tenantID, id, store.UserPatch{
			Email: ch.Email, Name: ch.Name, Role: ch.Role, ManagerID: ch.ManagerID, Active: ch.Active,
		})
		if err != nil {
			return err
		}
		after = a
		changes := map[string]any{}
		diff := func(field string, from, to any) {
			if from != to {
				changes[field] = map[string]any{"from": from, "to": to}
			}
		}
		diff("email", before.Email, after.Email)
		diff("name", before.Name, after.Name)
		diff("role", before.Role, after.Role)
		diff("manager_id", nilIfEmpty(before.ManagerID), nilIfEmpty(after.ManagerID))
		diff("active", before.Active, after.Active)
		if len(changes) == 0 {
			return nil
		}
		event := EventUserUpdated
		switch {
		case before.Active && !after.Active:
			event = EventUserDeactivated
		case !before.Active && after.Active:
			event = EventUserActivated
		}
		return Audit(ctx, tx, tenantID, by, event, map[string]any{"user_id": id, "changes": changes})
	})
	if err != nil {
		return store.User{}, storeError(err)
	}
	return after, nil
}

// SetPassword checks and sets the password of a user of the tenant, ends
// the user's sessions but keepSession ("" for none: the caller's own
// session survives a change of its own password), and audits it.
func (s *Service) SetPassword(ctx context.Context, tenantID, userID, password, keepSession string, by Actor) error {
	if err := PasswordError("password", password); err != nil {
		return err
	}
	hash, err := HashPassword(password, *s.cfg.Params)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := store.SetPasswordHash(ctx, tx, tenantID, userID, hash); err != nil {
			return err
		}
		ended, err := store.DeleteUserSessions(ctx, tx, tenantID, userID, keepSession)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, EventPasswordChanged, map[string]any{"user_id": userID, "sessions_ended": ended})
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
