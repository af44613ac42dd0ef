package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	goyaml "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// DecodeObject reads one object document, written in JSON or YAML. It checks
// the document against schemas/object.schema.json and returns Problems
// listing every error (code "schema", with paths such as
// "fields.2.settings.scale") when it does not fit. Semantic checks are
// Validate's.
func DecodeObject(data []byte) (*Object, error) {
	var o Object
	if err := decodeDocument(data, objectSchema, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// DecodeField reads one field document, written in JSON or YAML, checked
// against schemas/field.schema.json like DecodeObject.
func DecodeField(data []byte) (*Field, error) {
	var f Field
	if err := decodeDocument(data, fieldSchema, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// DecodeModel reads a whole model document ({"objects": [...]}), written in
// JSON or YAML, checked against schemas/model.schema.json like DecodeObject.
func DecodeModel(data []byte) (*Model, error) {
	var m Model
	if err := decodeDocument(data, modelSchema, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DecodeApprovalProcess reads one approval process document, written in
// JSON or YAML, checked against schemas/approval_process.schema.json like
// DecodeObject.
func DecodeApprovalProcess(data []byte) (*ApprovalProcess, error) {
	var p ApprovalProcess
	if err := decodeDocument(data, processSchema, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// decodeDocument turns data into JSON, checks it against the schema and
// decodes it strictly into v.
func decodeDocument(data []byte, schema *docSchema, v any) error {
	doc, fromYAML, p := documentJSON(data)
	if p != nil {
		return Problems{*p}
	}
	ps, err := schema.validate(doc)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		if fromYAML {
			ps = withYAMLHints(ps)
		}
		return ps
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Problems{decodeProblem(doc, err)}
	}
	return nil
}

// documentJSON returns data as JSON: as it is when it is JSON already, else
// converted from YAML (fromYAML is then true). A document that is neither,
// holds a key twice or holds several YAML documents gives a problem.
func documentJSON(data []byte) (doc []byte, fromYAML bool, p *Problem) {
	if json.Valid(data) {
		if path, dup := duplicateJSONKey(data); dup {
			return nil, false, &Problem{Path: path, Code: ProblemSchema, Message: fmt.Sprintf("%q is given twice", lastSegment(path))}
		}
		return data, false, nil
	}
	if n, err := countYAMLDocuments(data); err == nil && n > 1 {
		return nil, true, &Problem{Code: ProblemSchema, Message: fmt.Sprintf("the file holds %d YAML documents (separated by ---); put one document in each file", n)}
	}
	doc, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		msg = strings.Join(strings.Fields(msg), " ")
		return nil, true, &Problem{Code: ProblemSchema, Message: "the document is neither valid JSON nor valid YAML: " + msg}
	}
	return doc, true, nil
}

// countYAMLDocuments counts the non-empty documents of a YAML stream.
func countYAMLDocuments(data []byte) (int, error) {
	dec := goyaml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if v != nil {
			n++
		}
	}
}

// duplicateJSONKey finds a key given twice in one JSON object, which JSON
// decoders silently resolve by keeping the last. data is valid JSON.
func duplicateJSONKey(data []byte) (path string, found bool) {
	w := jsonWalker{dec: json.NewDecoder(bytes.NewReader(data)), dup: func(p string) bool {
		path = p
		return true
	}}
	w.dec.UseNumber()
	w.walk("")
	return path, path != ""
}

// jsonPathAt returns the path of the value of a valid JSON document that ends
// at byte offset end, or "".
func jsonPathAt(data []byte, end int64) (path string) {
	w := jsonWalker{dec: json.NewDecoder(bytes.NewReader(data)), value: func(p string, e int64) bool {
		if e == end {
			path = p
			return true
		}
		return e > end
	}}
	w.dec.UseNumber()
	w.walk("")
	return path
}

// jsonWalker walks the tokens of a JSON document, telling value the path and
// end offset of every scalar and dup the path of every key given twice. Either
// returns true to stop the walk.
type jsonWalker struct {
	dec   *json.Decoder
	value func(path string, end int64) bool
	dup   func(path string) bool
}

// walk reads one value at path; it returns true when the walk must stop.
func (w *jsonWalker) walk(path string) bool {
	tok, err := w.dec.Token()
	if err != nil {
		return true
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return true
			}
			k, _ := kt.(string)
			p := joinPath(path, k)
			if seen[k] && w.dup != nil && w.dup(p) {
				return true
			}
			seen[k] = true
			if w.walk(p) {
				return true
			}
		}
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			if w.walk(joinPath(path, strconv.Itoa(i))) {
				return true
			}
		}
	default:
		return w.value != nil && w.value(path, w.dec.InputOffset())
	}
	_, err = w.dec.Token() // the closing delimiter
	return err != nil
}

// withYAMLHints adds a hint to problems where YAML most likely read a word or
// a number the author meant as text (yes, no, on, off, 012).
func withYAMLHints(ps Problems) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		if strings.HasPrefix(p.Message, "must be a string, not ") {
			p.Message += ` (in YAML, put text such as yes, no, on, off or 012 in quotes)`
		}
		out[i] = p
	}
	return out
}

// decodeProblem describes why a document that fits the schema still does not
// decode (a number too large for its setting, say).
func decodeProblem(doc []byte, err error) Problem {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := jsonPathAt(doc, te.Offset)
		if path == "" {
			path = te.Field
		}
		return Problem{Path: path, Code: ProblemSchema, Message: fmt.Sprintf("%s does not fit: expected %s", te.Value, goTypeName(te.Type.Kind().String()))}
	}
	return Problem{Code: ProblemSchema, Message: err.Error()}
}

// goTypeName names a Go kind for a person.
func goTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number within range"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	}
	return kind
}
