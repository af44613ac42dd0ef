package metadata

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// MosaicVersion is the version of the platform, which bundles name as
// their minimum (min_mosaic).
const MosaicVersion = "0.6.0"

// Manifest is a bundle's bundle.yaml: what it is, who publishes it, what it
// needs.
type Manifest struct {
	// Name identifies the bundle in catalogs ("crm").
	Name string `json:"name"`
	// Namespace prefixes every component's API name ("crm__lead"), so that
	// two publishers never collide.
	Namespace string `json:"namespace"`
	// Version is a semantic version ("1.2.0").
	Version     string `json:"version"`
	Publisher   string `json:"publisher"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Dependencies are the bundles this one builds on, with version
	// constraints ("^1.0").
	Dependencies []Dependency `json:"dependencies,omitempty"`
	// MinMosaic is the oldest platform version the bundle runs on.
	MinMosaic string `json:"min_mosaic,omitempty"`
}

// Dependency is a bundle another one needs.
type Dependency struct {
	Name string `json:"name"`
	// Version is a constraint on its version: "^1.2", ">=1.0.0 <2.0.0".
	Version string `json:"version"`
}

// SeedDoc is a file of seed records of one object, created at install.
type SeedDoc struct {
	File    string           `json:"-"`
	Object  string           `json:"object"`
	Records []map[string]any `json:"records"`
}

// Bundle is a bundle loaded from its folder: the manifest, the metadata it
// installs and its seed records. Model holds only the bundle's own
// components.
type Bundle struct {
	Manifest Manifest
	Model    *Model
	Seed     []SeedDoc
	// Files maps each component's path prefix ("objects.crm__lead",
	// "roles.crm__rep") to the file that defines it, for locating problems.
	Files map[string]string
}

// The folders and files of a bundle.
const (
	BundleManifestFile = "bundle.yaml"
	BundleObjectsDir   = "objects"
	BundleProcessesDir = "approval_processes"
	BundleSecurityFile = "security.yaml"
	BundleSeedDir      = "seed"
)

var (
	namespacePattern  = regexp.MustCompile(`^[a-z][a-z0-9]{1,14}$`)
	bundleNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,49}$`)
)

// LoadBundle reads a bundle folder: bundle.yaml; objects/*.yaml (one object
// each); approval_processes/*.yaml (one process each); security.yaml
// ({"roles", "permission_sets", "queues"}); seed/*.yaml ({"object",
// "records"}), in file name order. Every document is checked against its
// schema; all problems are returned at once, each located as
// "<file>: <path>". Semantic checks are ValidateBundle's.
func LoadBundle(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{Model: &Model{}, Files: map[string]string{}}
	var ps Problems
	inFile := func(file string, err error) {
		if p, ok := err.(Problems); ok {
			for _, x := range p {
				x.Path = file + ": " + x.Path
				ps = append(ps, x)
			}
			return
		}
		ps = append(ps, Problem{Path: file, Code: ProblemSchema, Message: err.Error()})
	}
	data, err := fs.ReadFile(fsys, BundleManifestFile)
	if err != nil {
		return nil, Problems{{Path: BundleManifestFile, Code: ProblemSchema, Message: "a bundle needs a bundle.yaml"}}
	}
	if err := decodeDocument(data, manifestSchema, &b.Manifest); err != nil {
		inFile(BundleManifestFile, err)
	}
	for _, file := range documents(fsys, BundleObjectsDir) {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			inFile(file, err)
			continue
		}
		o, err := DecodeObject(data)
		if err != nil {
			inFile(file, err)
			continue
		}
		b.Model.Objects = append(b.Model.Objects, o)
		b.Files["objects."+o.Name] = file
	}
	for _, file := range documents(fsys, BundleProcessesDir) {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			inFile(file, err)
			continue
		}
		p, err := DecodeApprovalProcess(data)
		if err != nil {
			inFile(file, err)
			continue
		}
		b.Model.ApprovalProcesses = append(b.Model.ApprovalProcesses, p)
		b.Files["approval_processes."+p.Name] = file
	}
	if data, err := fs.ReadFile(fsys, BundleSecurityFile); err == nil {
		m, err := DecodeModel(data)
		switch {
		case err != nil:
			inFile(BundleSecurityFile, err)
		case len(m.Objects) > 0 || len(m.ApprovalProcesses) > 0:
			ps = append(ps, Problem{Path: BundleSecurityFile, Code: ProblemSchema, Message: "security.yaml holds roles, permission_sets and queues only"})
		default:
			b.Model.Roles, b.Model.PermissionSets, b.Model.Queues = m.Roles, m.PermissionSets, m.Queues
			for _, r := range m.Roles {
				b.Files["roles."+r.Name] = BundleSecurityFile
			}
			for _, p := range m.PermissionSets {
				b.Files["permission_sets."+p.Name] = BundleSecurityFile
			}
			for _, q := range m.Queues {
				b.Files["queues."+q.Name] = BundleSecurityFile
			}
		}
	}
	for _, file := range documents(fsys, BundleSeedDir) {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			inFile(file, err)
			continue
		}
		doc, _, p := documentJSON(data)
		if p != nil {
			inFile(file, Problems{*p})
			continue
		}
		var sd SeedDoc
		if err := json.Unmarshal(doc, &sd); err != nil || sd.Object == "" {
			ps = append(ps, Problem{Path: file, Code: ProblemSchema, Message: "a seed file is {\"object\": \"<name>\", \"records\": [ … ]}"})
			continue
		}
		sd.File = file
		b.Seed = append(b.Seed, sd)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return b, nil
}

// documents lists the YAML and JSON files of a folder of fsys, sorted.
func documents(fsys fs.FS, dir string) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// ValidateBundle runs every check of a bundle against the bundles it
// depends on (deps, already loaded): the manifest (names, semantic
// versions, constraints, the platform version), the namespace of every
// component, and the semantic checks of Validate on the bundle's model
// merged with its dependencies' (every expression compiles, lookups resolve
// inside the bundle or its dependencies). Problems are located in the
// bundle's files.
func ValidateBundle(b *Bundle, deps []*Bundle, check ExpressionChecker) Problems {
	ps := validateManifest(b.Manifest, deps)
	ps = append(ps, b.checkNamespaces()...)
	merged := &Model{}
	for _, d := range deps {
		merged.Merge(d.Model)
	}
	merged.Merge(b.Model)
	for _, p := range Validate(merged, check) {
		file, owned := b.locate(p.Path)
		if !owned {
			// A problem of a dependency's own component: not this bundle's.
			continue
		}
		p.Path = file + ": " + p.Path
		ps = append(ps, p)
	}
	for _, sd := range b.Seed {
		if merged.Object(sd.Object) == nil {
			ps = append(ps, problemf(sd.File+": object", ProblemUnknownTarget, "seed records of %q, which is not an object of the bundle or its dependencies", sd.Object))
		}
	}
	return ps
}

// locate returns the file that holds the component a problem path names,
// and whether the component is the bundle's.
func (b *Bundle) locate(p string) (string, bool) {
	parts := strings.SplitN(p, ".", 3)
	if len(parts) < 2 {
		return BundleManifestFile, true
	}
	file, ok := b.Files[parts[0]+"."+parts[1]]
	return file, ok
}

func validateManifest(m Manifest, deps []*Bundle) Problems {
	var ps Problems
	at := func(field string) string { return BundleManifestFile + ": " + field }
	if !bundleNamePattern.MatchString(m.Name) {
		ps = append(ps, problemf(at("name"), ProblemInvalidName, "bundle name %q must be 2 to 50 of a-z, 0-9, _ and -, starting with a letter", truncateForMessage(m.Name)))
	}
	if !namespacePattern.MatchString(m.Namespace) {
		ps = append(ps, problemf(at("namespace"), ProblemInvalidName, "namespace %q must be 2 to 15 of a-z and 0-9, starting with a letter", truncateForMessage(m.Namespace)))
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		ps = append(ps, problemf(at("version"), ProblemInvalidSetting, "version %q is not a semantic version such as 1.2.0", truncateForMessage(m.Version)))
	}
	if strings.TrimSpace(m.Publisher) == "" {
		ps = append(ps, problemf(at("publisher"), ProblemInvalidSetting, "a bundle names its publisher"))
	}
	if m.MinMosaic != "" {
		min, err := semver.NewVersion(m.MinMosaic)
		switch {
		case err != nil:
			ps = append(ps, problemf(at("min_mosaic"), ProblemInvalidSetting, "min_mosaic %q is not a version", truncateForMessage(m.MinMosaic)))
		case min.GreaterThan(semver.MustParse(MosaicVersion)):
			ps = append(ps, problemf(at("min_mosaic"), ProblemInvalidSetting, "the bundle needs Mosaic %s or later; this is %s", m.MinMosaic, MosaicVersion))
		}
	}
	have := map[string]*Bundle{}
	for _, d := range deps {
		have[d.Manifest.Name] = d
	}
	for i, d := range m.Dependencies {
		dp := at(fmt.Sprintf("dependencies.%d", i))
		c, err := semver.NewConstraint(d.Version)
		if err != nil {
			ps = append(ps, problemf(dp+".version", ProblemInvalidSetting, "version constraint %q of %s does not parse (e.g. ^1.2 or >=1.0.0 <2.0.0)", truncateForMessage(d.Version), d.Name))
			continue
		}
		dep, ok := have[d.Name]
		if !ok {
			ps = append(ps, problemf(dp, ProblemUnknownTarget, "depends on bundle %q, which is not available", d.Name))
			continue
		}
		if v, err := semver.NewVersion(dep.Manifest.Version); err != nil || !c.Check(v) {
			ps = append(ps, problemf(dp+".version", ProblemInvalidSetting, "needs %s %s, but %s is available", d.Name, d.Version, dep.Manifest.Version))
		}
	}
	return ps
}

// checkNamespaces checks that every component of the bundle is named in
// its namespace ("<ns>__<name>") and that no field of its objects starts
// with "custom_", the prefix of a tenant's own fields on bundle objects.
func (b *Bundle) checkNamespaces() Problems {
	var ps Problems
	ns := b.Manifest.Namespace
	prefix := ns + "__"
	name := func(kind, key, n string) {
		if !strings.HasPrefix(n, prefix) || len(n) == len(prefix) {
			file, _ := b.Files[key]
			ps = append(ps, problemf(file+": name", ProblemInvalidName, "%s %q must be named in the bundle's namespace: %s<name>", kind, n, prefix))
		}
	}
	for _, o := range b.Model.Objects {
		name("object", "objects."+o.Name, o.Name)
		for _, f := range o.Fields {
			if strings.HasPrefix(f.Name, CustomPrefix) {
				ps = append(ps, problemf(b.Files["objects."+o.Name]+": fields."+f.Name, ProblemInvalidName, "field names starting with %q are left to tenants", CustomPrefix))
			}
		}
	}
	for _, r := range b.Model.Roles {
		name("role", "roles."+r.Name, r.Name)
	}
	for _, p := range b.Model.PermissionSets {
		name("permission set", "permission_sets."+p.Name, p.Name)
	}
	for _, q := range b.Model.Queues {
		name("queue", "queues."+q.Name, q.Name)
	}
	for _, p := range b.Model.ApprovalProcesses {
		name("approval process", "approval_processes."+p.Name, p.Name)
	}
	return ps
}

// CustomPrefix starts the name of every field a tenant adds to a bundle's
// object, so that no version of the bundle can collide with it.
const CustomPrefix = "custom_"

// Merge adds the components of other to m (shared, not copied).
func (m *Model) Merge(other *Model) {
	m.Objects = append(m.Objects, other.Objects...)
	m.Roles = append(m.Roles, other.Roles...)
	m.PermissionSets = append(m.PermissionSets, other.PermissionSets...)
	m.Queues = append(m.Queues, other.Queues...)
	m.ApprovalProcesses = append(m.ApprovalProcesses, other.ApprovalProcesses...)
}

// Own marks every component of m as the bundle ns's.
func (m *Model) Own(ns string) {
	for _, o := range m.Objects {
		o.Bundle = ns
		for _, f := range o.Fields {
			f.Bundle = ns
		}
	}
	for _, r := range m.Roles {
		r.Bundle = ns
	}
	for _, p := range m.PermissionSets {
		p.Bundle = ns
	}
	for _, q := range m.Queues {
		q.Bundle = ns
	}
	for _, p := range m.ApprovalProcesses {
		p.Bundle = ns
	}
}
