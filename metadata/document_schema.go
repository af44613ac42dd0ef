package metadata

import (
	"fmt"
	"io/fs"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	"github.com/mosaic-paas/mosaic/schemas"
)

// docSchema is one compiled document schema, built once on first use.
type docSchema struct {
	main string   // the schema file to compile
	refs []string // the schema files it refers to
	once sync.Once
	s    *gojsonschema.Schema
	err  error
}

// The document schemas, compiled from schemas.FS.
var (
	fieldSchema    = &docSchema{main: schemas.FieldFile}
	objectSchema   = &docSchema{main: schemas.ObjectFile, refs: []string{schemas.FieldFile}}
	modelSchema    = &docSchema{main: schemas.ModelFile, refs: []string{schemas.FieldFile, schemas.ObjectFile, schemas.ApprovalProcessFile}}
	processSchema  = &docSchema{main: schemas.ApprovalProcessFile, refs: []string{schemas.FieldFile}}
	manifestSchema = &docSchema{main: schemas.BundleFile, refs: []string{schemas.FieldFile}}
)

// compiled returns the compiled schema, compiling it on first use. An error
// means the embedded schemas are broken, a bug caught by the tests.
func (d *docSchema) compiled() (*gojsonschema.Schema, error) {
	d.once.Do(func() {
		d.s, d.err = compileSchema(d.main, d.refs)
	})
	return d.s, d.err
}

func compileSchema(main string, refs []string) (*gojsonschema.Schema, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	sl.Validate = true
	for _, name := range refs {
		b, err := fs.ReadFile(schemas.FS, name)
		if err != nil {
			return nil, fmt.Errorf("metadata: schema %s: %w", name, err)
		}
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(b)); err != nil {
			return nil, fmt.Errorf("metadata: schema %s: %w", name, err)
		}
	}
	b, err := fs.ReadFile(schemas.FS, main)
	if err != nil {
		return nil, fmt.Errorf("metadata: schema %s: %w", main, err)
	}
	s, err := sl.Compile(gojsonschema.NewBytesLoader(b))
	if err != nil {
		return nil, fmt.Errorf("metadata: schema %s: %w", main, err)
	}
	return s, nil
}

// validate checks a JSON document against the schema and returns a
// problem for every error found, or nil.
func (d *docSchema) validate(doc []byte) (Problems, error) {
	s, err := d.compiled()
	if err != nil {
		return nil, err
	}
	res, err := s.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		// The document is not JSON; the caller has checked it is.
		return Problems{{Code: ProblemSchema, Message: "not a valid JSON document: " + err.Error()}}, nil
	}
	if res.Valid() {
		return nil, nil
	}
	return schemaProblems(res.Errors()), nil
}

// schemaProblems turns schema errors into problems, sorted by path, without
// repeats and without the "did not match any alternative" summaries that
// only restate the errors beside them.
func schemaProblems(errs []gojsonschema.ResultError) Problems {
	ps := make(Problems, 0, len(errs))
	seen := map[Problem]bool{}
	for _, e := range errs {
		switch e.Type() {
		case "number_any_of", "number_one_of", "number_all_of":
			continue
		}
		p := schemaProblem(e)
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 { // only summaries: keep them rather than say nothing
		for _, e := range errs {
			ps = append(ps, schemaProblem(e))
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return pathLess(ps[i].Path, ps[j].Path) })
	return ps
}

// textProperties are the properties holding a Text.
var textProperties = map[string]bool{"label": true, "plural_label": true, "description": true, "help_text": true}

// schemaProblem turns one schema error into a problem a person can act on.
func schemaProblem(e gojsonschema.ResultError) Problem {
	path := e.Field()
	if path == gojsonschema.STRING_ROOT_SCHEMA_PROPERTY {
		path = ""
	}
	d := e.Details()
	prop, _ := d["property"].(string)
	msg := e.Description()
	switch e.Type() {
	case "required":
		msg = fmt.Sprintf("%s is required", prop)
		path = joinPath(path, prop)
	case "additional_property_not_allowed":
		if textProperties[lastSegment(path)] {
			msg = fmt.Sprintf("%q is not a language tag such as en or zh-CN", prop)
		} else {
			msg = fmt.Sprintf("unknown property %q", prop)
		}
		path = joinPath(path, prop)
	case "invalid_type":
		msg = fmt.Sprintf("must be %s, not %s", typeNames(fmt.Sprint(d["expected"])), typeNames(fmt.Sprint(d["given"])))
	case "enum":
		msg = fmt.Sprintf("must be one of %v", d["allowed"])
	case "pattern":
		if fmt.Sprint(d["pattern"]) == namePattern.String() {
			msg = "must start with a lower-case letter and contain only a-z, 0-9 and _"
		} else {
			msg = fmt.Sprintf("does not match the pattern %v", d["pattern"])
		}
	case "string_gte":
		if numText(d["min"]) == "1" {
			msg = "must not be empty"
		} else {
			msg = fmt.Sprintf("must be at least %s characters long", numText(d["min"]))
		}
	case "string_lte":
		msg = fmt.Sprintf("must be at most %s characters long", numText(d["max"]))
	case "number_gte":
		msg = fmt.Sprintf("must be at least %s", numText(d["min"]))
	case "number_gt":
		msg = fmt.Sprintf("must be more than %s", numText(d["min"]))
	case "number_lte":
		msg = fmt.Sprintf("must be at most %s", numText(d["max"]))
	case "number_lt":
		msg = fmt.Sprintf("must be less than %s", numText(d["max"]))
	case "array_min_items":
		msg = fmt.Sprintf("must have at least %s", countNoun(d["min"], "item"))
	case "array_max_items":
		msg = fmt.Sprintf("must have at most %s", countNoun(d["max"], "item"))
	}
	return Problem{Path: path, Code: ProblemSchema, Message: msg}
}

// numText prints a number of a schema error without an exponent.
func numText(v any) string {
	switch n := v.(type) {
	case *big.Float:
		return n.Text('f', -1)
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// countNoun prints "1 item" or "3 items".
func countNoun(n any, noun string) string {
	s := numText(n)
	if s == "1" {
		return s + " " + noun
	}
	return s + " " + noun + "s"
}

// typeNames turns a JSON Schema type list such as "[string,object]" into
// words: "a string or an object".
func typeNames(types string) string {
	types = strings.Trim(types, "[]")
	var words []string
	for _, t := range strings.Split(types, ",") {
		switch t {
		case "object", "array", "integer":
			words = append(words, "an "+t)
		case "null":
			words = append(words, "null")
		default:
			words = append(words, "a "+t)
		}
	}
	return strings.Join(words, " or ")
}

func joinPath(base, name string) string {
	if base == "" {
		return name
	}
	if name == "" {
		return base
	}
	return base + "." + name
}

func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// pathLess orders dotted paths segment by segment, numbers numerically, so
// "fields.2" comes before "fields.10".
func pathLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return an < bn
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}
