package records

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queryFuncs are the functions of this package that may run a query, and
// why each one honours record-level access. A new query anywhere else
// fails TestRecordSelectsGoThroughVisibility: route it through
// recordVisibility, or add it here with the reason it may see every row.
var queryFuncs = map[string]string{
	// Reads for the caller: each one gets its rows' predicate from
	// recordVisibility.
	"recordVisibility":    "builds the predicate (its subquery reads users, not records)",
	"byID":                "adds the predicate to the compiled read by id",
	"List":                "a query.Select, which refuses to build without the caller's Visibility",
	"getTx":               "reads the SQL readVisible built (checked below: readVisible is its only caller)",
	"readVisible":         "checks edit access with the predicate of recordVisibility",
	"checkVisibleLookups": "checks lookup targets with the predicate of recordVisibility",
	// System work whose rows are never returned to the caller.
	"upsertTarget":    "finds the record a unique key names; update then applies the caller's access to it",
	"checkLookups":    "runs after a foreign-key violation only, and names lookup ids that do not exist at all",
	"loadPaths":       "reads the lookup paths formulas compute over, which see every record",
	"dependentIDs":    "finds the records whose formulas read a changed record, to recompute them",
	"loadRecords":     "reads the records whose formulas are recomputed",
	"recompute":       "roll-ups summarize every child record, whoever wrote it",
	"readRow":         "reads a roll-up parent to recompute its summaries",
	"eachIn":          "collects roll-up parents and children of a deleted record",
	"cascadedRollups": "builds eachIn's queries",
}

// TestRecordSelectsGoThroughVisibility scans the package's source: every
// query (a call of Query or QueryRow, or SQL text with SELECT, or a
// compiled statement that selects) must be in one of queryFuncs, and the
// generic by-id reader getTx must be reached through readVisible only, so
// no path can read a record without the caller's record predicate.
func TestRecordSelectsGoThroughVisibility(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var outside []string
	getTxCallers := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			report := func(n ast.Node, what string) {
				if _, ok := queryFuncs[name]; !ok {
					outside = append(outside, fset.Position(n.Pos()).String()+": "+what+" in "+name)
				}
			}
			ast.Inspect(fd, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BasicLit:
					if x.Kind == token.STRING && strings.Contains(strings.ToUpper(x.Value), "SELECT ") {
						report(x, "SELECT text")
					}
				case *ast.SelectorExpr:
					switch s := x.Sel.Name; {
					case s == "Query" || s == "QueryRow":
						report(x, s)
					case strings.HasPrefix(s, "Select") && strings.HasSuffix(s, "SQL"), s == "RecordsSQL", s == "LockRowSQL":
						report(x, s)
					}
				case *ast.CallExpr:
					if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "getTx" {
						getTxCallers[name] = true
					}
					if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "getTx" {
						getTxCallers[name] = true
					}
				}
				return true
			})
		}
	}
	sort.Strings(outside)
	assert.Empty(t, outside, "queries outside the functions that apply record-level access")
	assert.Equal(t, map[string]bool{"readVisible": true}, getTxCallers, "getTx is reached through readVisible only")
}
