package bundles

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/apps"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Publisher is a trusted publisher of a tenant: whose signed bundles it
// installs.
type Publisher struct {
	Name      string    `json:"name"`
	PublicKey string    `json:"public_key"`
	AddedAt   time.Time `json:"added_at"`
}

// TrustPublisher adds a publisher's public key (base64 ed25519) to the
// tenant's trusted publishers.
func (s *Service) TrustPublisher(ctx context.Context, t store.Tenant, name, publicKey string) (Publisher, error) {
	if _, err := DecodePublicKey(publicKey); err != nil {
		return Publisher{}, errorf(Invalid, CodeBadSignature, "%v", err)
	}
	if name == "" || len(name) > 100 {
		return Publisher{}, errorf(Invalid, CodeInvalidBundle, "a trusted publisher needs a name of at most 100 characters")
	}
	p := Publisher{Name: name, PublicKey: publicKey, AddedAt: s.now().UTC().Truncate(time.Microsecond)}
	_, err := s.db.Exec(ctx, "INSERT INTO trusted_publishers (tenant_id, public_key, name, added_at) VALUES ($1, $2, $3, $4)", t.ID, publicKey, name, p.AddedAt)
	var ce *store.ConstraintError
	if errors.As(err, &ce) && ce.Kind == store.ConstraintUnique {
		return Publisher{}, errorf(Conflict, CodeInvalidBundle, "that key is trusted already")
	}
	if err != nil {
		return Publisher{}, fmt.Errorf("bundles: trust publisher: %w", err)
	}
	return p, nil
}

// DistrustPublisher removes a key from the tenant's trusted publishers.
func (s *Service) DistrustPublisher(ctx context.Context, t store.Tenant, publicKey string) error {
	n, err := s.db.Exec(ctx, "DELETE FROM trusted_publishers WHERE tenant_id = $1 AND public_key = $2", t.ID, publicKey)
	if err != nil {
		return fmt.Errorf("bundles: distrust publisher: %w", err)
	}
	if n == 0 {
		return errorf(NotFound, CodeNotFound, "that key is not a trusted publisher's")
	}
	return nil
}

// Publishers lists the tenant's trusted publishers.
func (s *Service) Publishers(ctx context.Context, t store.Tenant) ([]Publisher, error) {
	rows, err := s.db.Query(ctx, "SELECT name, public_key, added_at FROM trusted_publishers WHERE tenant_id = $1 ORDER BY name, public_key", t.ID)
	if err != nil {
		return nil, fmt.Errorf("bundles: publishers: %w", err)
	}
	defer rows.Close()
	out := []Publisher{}
	for rows.Next() {
		var p Publisher
		if err := rows.Scan(&p.Name, &p.PublicKey, &p.AddedAt); err != nil {
			return nil, fmt.Errorf("bundles: publishers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Trust checks who signed an opened archive against the tenant's trusted
// publishers: a signature by a trusted key is SignatureTrusted; an
// unsigned archive is SignatureUnsigned when allowUnsigned, refused
// otherwise; a key the tenant does not trust is refused.
func (s *Service) Trust(ctx context.Context, t store.Tenant, o *Opened, allowUnsigned bool) (string, error) {
	if o.SignedBy == "" {
		if !allowUnsigned {
			return "", errorf(Forbidden, CodeUnsigned, "the bundle is not signed; an administrator may allow unsigned bundles explicitly")
		}
		return SignatureUnsigned, nil
	}
	var n int64
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM trusted_publishers WHERE tenant_id = $1 AND public_key = $2", t.ID, o.SignedBy).Scan(&n); err != nil {
		return "", fmt.Errorf("bundles: trust: %w", err)
	}
	if n == 0 {
		return "", errorf(Forbidden, CodeUntrusted, "the bundle is signed by a key that is not one of the tenant's trusted publishers (%s)", o.SignedBy)
	}
	return SignatureTrusted, nil
}

// OpenArchive opens, checks and loads a packed bundle for the tenant.
func (s *Service) OpenArchive(ctx context.Context, t store.Tenant, archive []byte, allowUnsigned bool) (Source, error) {
	o, err := Open(archive)
	if err != nil {
		return Source{}, errorf(Invalid, CodeBadSignature, "%v", err)
	}
	sig, err := s.Trust(ctx, t, o, allowUnsigned)
	if err != nil {
		return Source{}, err
	}
	b, err := metadata.LoadBundle(o.FS)
	if err != nil {
		return Source{}, err
	}
	return Source{Bundle: b, Signature: sig}, nil
}

// Upload keeps a packed bundle in the tenant's catalog after checking it
// like an install would (signature, schemas).
func (s *Service) Upload(ctx context.Context, t store.Tenant, archive []byte, allowUnsigned bool) (*Entry, error) {
	o, err := Open(archive)
	if err != nil {
		return nil, errorf(Invalid, CodeBadSignature, "%v", err)
	}
	if _, err := s.Trust(ctx, t, o, allowUnsigned); err != nil {
		return nil, err
	}
	b, err := metadata.LoadBundle(o.FS)
	if err != nil {
		return nil, err
	}
	m := b.Manifest
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		return nil, errorf(Invalid, CodeInvalidBundle, "version %q is not a semantic version", m.Version)
	}
	for _, name := range apps.Names() {
		if name == m.Name {
			return nil, errorf(Conflict, CodeInstalled, "%s is the name of a built-in bundle", m.Name)
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	_, err = s.db.Exec(ctx, "INSERT INTO bundle_uploads (id, tenant_id, name, version, namespace, publisher, signed_by, archive, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		uuid.Must(uuid.NewV7()).String(), t.ID, m.Name, m.Version, m.Namespace, m.Publisher, o.SignedBy, archive, now)
	var ce *store.ConstraintError
	if errors.As(err, &ce) && ce.Kind == store.ConstraintUnique {
		return nil, errorf(Conflict, CodeInstalled, "bundle %s %s is in the catalog already", m.Name, m.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("bundles: upload: %w", err)
	}
	return &Entry{Name: m.Name, Version: m.Version, Namespace: m.Namespace, Publisher: m.Publisher, Label: m.Label,
		Description: m.Description, Origin: "uploaded", SignedBy: o.SignedBy}, nil
}

// Entry is a bundle of the catalog.
type Entry struct {
	Name        string        `json:"name"`
	Version     string        `json:"version"`
	Namespace   string        `json:"namespace"`
	Publisher   string        `json:"publisher"`
	Label       metadata.Text `json:"label,omitempty"`
	Description metadata.Text `json:"description,omitempty"`
	// Origin is "built_in" or "uploaded".
	Origin string `json:"origin"`
	// SignedBy is the public key that signed an uploaded bundle.
	SignedBy string `json:"signed_by,omitempty"`
	// Installed is the version installed in the tenant, "" if none.
	Installed string `json:"installed,omitempty"`
}

// Catalog lists the bundles available to the tenant — the built-in ones
// and every version uploaded — with what is installed.
func (s *Service) Catalog(ctx context.Context, t store.Tenant) ([]Entry, error) {
	installed, err := s.Installed(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, name := range apps.Names() {
		b, err := apps.Load(name)
		if err != nil {
			return nil, err
		}
		m := b.Manifest
		out = append(out, Entry{Name: m.Name, Version: m.Version, Namespace: m.Namespace, Publisher: m.Publisher, Label: m.Label, Description: m.Description, Origin: SignatureBuiltIn})
	}
	rows, err := s.db.Query(ctx, "SELECT name, version, namespace, publisher, signed_by FROM bundle_uploads WHERE tenant_id = $1 ORDER BY name, uploaded_at", t.ID)
	if err != nil {
		return nil, fmt.Errorf("bundles: catalog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := Entry{Origin: "uploaded"}
		if err := rows.Scan(&e.Name, &e.Version, &e.Namespace, &e.Publisher, &e.SignedBy); err != nil {
			return nil, fmt.Errorf("bundles: catalog: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if in := find(installed, out[i].Name); in != nil {
			out[i].Installed = in.Version
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Find returns a bundle of the catalog by name: the built-in one, or the
// uploaded one at version (the newest when version is ""). Uploaded
// bundles are checked again against the tenant's trusted publishers.
func (s *Service) Find(ctx context.Context, t store.Tenant, name, version string, allowUnsigned bool) (Source, error) {
	for _, n := range apps.Names() {
		if n != name {
			continue
		}
		b, err := apps.Load(name)
		if err != nil {
			return Source{}, err
		}
		if version != "" && version != b.Manifest.Version {
			return Source{}, errorf(NotFound, CodeNotFound, "built-in bundle %s is at version %s, not %s", name, b.Manifest.Version, version)
		}
		return Source{Bundle: b, Signature: SignatureBuiltIn}, nil
	}
	rows, err := s.db.Query(ctx, "SELECT version, archive FROM bundle_uploads WHERE tenant_id = $1 AND name = $2", t.ID, name)
	if err != nil {
		return Source{}, fmt.Errorf("bundles: find: %w", err)
	}
	var best *semver.Version
	var archive []byte
	for rows.Next() {
		var v string
		var a []byte
		if err := rows.Scan(&v, &a); err != nil {
			rows.Close()
			return Source{}, fmt.Errorf("bundles: find: %w", err)
		}
		sv, err := semver.NewVersion(v)
		if err != nil {
			continue
		}
		if (version != "" && v == version) || (version == "" && (best == nil || sv.GreaterThan(best))) {
			best, archive = sv, a
		}
	}
	rows.Close()
	if archive == nil {
		return Source{}, errorf(NotFound, CodeNotFound, "no bundle %q in the catalog", name)
	}
	return s.OpenArchive(ctx, t, archive, allowUnsigned)
}

// Resolver returns the resolver of dependencies from the tenant's catalog.
func (s *Service) Resolver(t store.Tenant, allowUnsigned bool) Resolver {
	return func(ctx context.Context, name string) (Source, error) {
		return s.Find(ctx, t, name, "", allowUnsigned)
	}
}
