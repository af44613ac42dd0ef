package metadata

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a metadata document: where (a dotted path
// such as "objects.invoice.fields.amount.settings.scale"), a machine code, and
// a message for a person.
type Problem struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problems is every problem found in a document; a non-empty Problems is the
// error returned by validation.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p.Path == "" {
			parts[i] = p.Message
		} else {
			parts[i] = fmt.Sprintf("%s: %s", p.Path, p.Message)
		}
	}
	return "invalid metadata: " + strings.Join(parts, "; ")
}

// Problem codes for metadata.
const (
	ProblemSchema         = "schema"
	ProblemInvalidName    = "invalid_name"
	ProblemReservedName   = "reserved_name"
	ProblemDuplicate      = "duplicate"
	ProblemUnknownType    = "unknown_type"
	ProblemInvalidSetting = "invalid_setting"
	ProblemUnknownTarget  = "unknown_target"
	ProblemInvalidExpr    = "invalid_expression"
	ProblemUnknownField   = "unknown_field"
	ProblemDataLoss       = "data_loss"
	ProblemUnsupported    = "unsupported_change"
	ProblemReferenced     = "referenced"
)

// At prefixes the problems' paths with prefix.
func (ps Problems) At(prefix string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		if p.Path == "" {
			p.Path = prefix
		} else {
			p.Path = prefix + "." + p.Path
		}
		out[i] = p
	}
	return out
}

func problemf(path, code, format string, args ...any) Problem {
	return Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
}
