package auth

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// maxTokenNameLength bounds a token's name.
const maxTokenNameLength = 100

// TokenInput is a new API token of a user.
type TokenInput struct {
	// Name says what the token is for.
	Name string
	// ReadOnly limits the token to reading.
	ReadOnly bool
	// Objects, when not nil, limits the token to the objects with these
	// stable ids (the API resolves names to ids).
	Objects []string
}

// CreateToken creates an API token for a user of the tenant, and audits
// it. The plaintext is returned once and never stored.
func (s *Service) CreateToken(ctx context.Context, tenantID, userID string, in TokenInput, by Actor) (string, store.Token, error) {
	in.Name = strings.TrimSpace(in.Name)
	errs := &InputError{}
	switch {
	case in.Name == "":
		errs.add("name", CodeRequired, "a token needs a name that says what it is for")
	case utf8.RuneCountInString(in.Name) > maxTokenNameLength:
		errs.add("name", CodeTooLong, "a token's name has at most %d characters", maxTokenNameLength)
	}
	if err := errs.orNil(); err != nil {
		return "", store.Token{}, err
	}
	var (
		plain string
		tok   store.Token
	)
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		plain, tok, err = store.CreateUserToken(ctx, tx, store.NewToken{
			TenantID: tenantID, UserID: userID, Name: in.Name, ReadOnly: in.ReadOnly, Objects: in.Objects,
		})
		if err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, EventTokenCreated, tokenDetail(tok))
	})
	if err != nil {
		return "", store.Token{}, err
	}
	return plain, tok, nil
}

// RevokeToken revokes a token of the tenant and audits it; revoking a
// revoked token again changes nothing and is not audited again.
func (s *Service) RevokeToken(ctx context.Context, tenantID, tokenID string, by Actor) (store.Token, error) {
	var tok store.Token
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		if tok, err = store.TokenByID(ctx, tx, tenantID, tokenID); err != nil {
			return err
		}
		if tok.RevokedAt != nil {
			return nil
		}
		if err := store.RevokeToken(ctx, tx, tenantID, tokenID); err != nil {
			return err
		}
		if tok, err = store.TokenByID(ctx, tx, tenantID, tokenID); err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, EventTokenRevoked, tokenDetail(tok))
	})
	return tok, err
}

func tokenDetail(tok store.Token) map[string]any {
	d := map[string]any{"token_id": tok.ID, "name": tok.Name, "user_id": tok.UserID}
	if tok.ReadOnly {
		d["read_only"] = true
	}
	if tok.Objects != nil {
		d["objects"] = tok.Objects
	}
	return d
}

// TenantSetup is a new tenant with its first administrator and a token of
// that administrator.
type TenantSetup struct {
	Tenant store.Tenant
	Admin  store.User
	// Token is the plaintext of the administrator's token, shown once.
	Token string
}

// SetUpTenant creates a tenant with an administrator (store.BootstrapAdminEmail,
// without a password: set one with 'mosaic user password') and a token of
// that administrator named tokenName, auditing both. The first run of the
// server and 'mosaic tenant create' use it.
func SetUpTenant(ctx context.Context, db store.DB, name, tokenName string, by Actor) (TenantSetup, error) {
	t, err := store.CreateTenant(ctx, db, name)
	if err != nil {
		return TenantSetup{}, err
	}
	out := TenantSetup{Tenant: t}
	err = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		admin, _, err := store.EnsureAdmin(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		out.Admin = admin
		if err := Audit(ctx, tx, t.ID, by, EventUserCreated, map[string]any{
			"user_id": admin.ID, "email": admin.Email, "name": admin.Name, "role": admin.Role, "password_set": false,
		}); err != nil {
			return err
		}
		plain, tok, err := store.CreateUserToken(ctx, tx, store.NewToken{TenantID: t.ID, UserID: admin.ID, Name: tokenName})
		if err != nil {
			return err
		}
		out.Token = plain
		return Audit(ctx, tx, t.ID, by, EventTokenCreated, tokenDetail(tok))
	})
	if err != nil {
		return TenantSetup{}, err
	}
	return out, nil
}
