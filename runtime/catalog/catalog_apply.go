package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	enginePlanner "github.com/mosaic-paas/mosaic/engine/planner"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func planner(db store.DB, t store.Tenant, old, next *metadata.Model) (*enginePlanner.Plan, metadata.Problems) {
	return enginePlanner.Build(db.Dialect(), t.Schema, old, next)
}

// assignIDs gives new objects and fields their stable ids (UUIDv7).
func assignIDs(m *metadata.Model) {
	for _, o := range m.Objects {
		if o.ID == "" {
			o.ID = newID()
		}
		for _, f := range o.Fields {
			if f.ID == "" {
				f.ID = newID()
			}
		}
	}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// runChecks runs the plan's checks on existing data and returns every
// failing one as a problem. Confirmable checks pass when confirmed.
func runChecks(ctx context.Context, tx store.Tx, plan *enginePlanner.Plan, confirmed bool) error {
	var ps metadata.Problems
	for _, ch := range plan.Checks {
		if ch.Confirmable && confirmed {
			continue
		}
		var n int64
		if err := tx.QueryRow(ctx, ch.SQL, ch.Args...).Scan(&n); err != nil {
			return fmt.Errorf("catalog: check existing data: %w", err)
		}
		if n > 0 {
			msg := ch.Message(n)
			if ch.Confirmable {
				msg += "; confirm to go ahead"
			}
			ps = append(ps, metadata.Problem{Path: ch.Path, Code: ch.Code, Message: msg})
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// backfill fills new required columns of existing rows with the field's
// default value.
func backfill(ctx context.Context, tx store.Tx, rev *compiled.Revision, plan *enginePlanner.Plan, now time.Time) error {
	for _, bf := range plan.Backfills {
		obj, ok := rev.Object(bf.Object.Meta.Name)
		if !ok {
			return fmt.Errorf("catalog: backfill: object %s not compiled", bf.Object.Meta.Name)
		}
		col, ok := obj.Column(bf.Column.Name)
		if !ok || obj.Defaults[col.Name] == nil {
			return fmt.Errorf("catalog: backfill: no default for %s.%s", obj.Meta.Name, bf.Column.Name)
		}
		v, err := obj.Defaults[col.Name].Run(expression.NewVars(now, expression.User{}))
		if err != nil {
			return metadata.Problems{{Path: "objects." + obj.Meta.Name + ".fields." + col.Name + ".default", Code: metadata.ProblemInvalidExpr,
				Message: fmt.Sprintf("the default value could not be computed to fill existing records: %v", err)}}
		}
		cv, verr := col.Field.TypeOf().Normalize(col.Field, v)
		if verr != nil {
			return metadata.Problems{{Path: "objects." + obj.Meta.Name + ".fields." + col.Name + ".default", Code: metadata.ProblemInvalidExpr,
				Message: fmt.Sprintf("the default value does not fit the field: %s", verr.Message)}}
		}
		arg, err := rev.Dialect.Arg(col.Type, cv)
		if err != nil {
			return fmt.Errorf("catalog: backfill %s: %w", col.Name, err)
		}
		q := fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s IS NULL", obj.Table, col.Quoted, rev.Dialect.Placeholder(1), col.Quoted)
		if _, err := tx.Exec(ctx, q, arg); err != nil {
			return fmt.Errorf("catalog: backfill %s: %w", col.Name, err)
		}
	}
	return nil
}

// nulProblems reports every text of a metadata document that holds the NUL
// character, which PostgreSQL cannot store (in jsonb or text): no store
// takes it, so that both answer alike. Paths name objects and fields.
func nulProblems(doc []byte) metadata.Problems {
	if !bytes.Contains(doc, []byte(`\u0000`)) {
		return nil
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil
	}
	var ps metadata.Problems
	var walk func(path string, v any)
	walk = func(path string, v any) {
		join := func(seg string) string {
			if path == "" {
				return seg
			}
			return path + "." + seg
		}
		switch x := v.(type) {
		case string:
			if strings.IndexByte(x, 0) >= 0 {
				ps = append(ps, metadata.Problem{Path: path, Code: metadata.ProblemSchema, Message: `text cannot contain the NUL character (\u0000)`})
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if strings.IndexByte(k, 0) >= 0 {
					ps = append(ps, metadata.Problem{Path: path, Code: metadata.ProblemSchema, Message: `a key cannot contain the NUL character (\u0000)`})
					continue
				}
				walk(join(k), x[k])
			}
		case []any:
			for i, e := range x {
				seg := strconv.Itoa(i)
				if m, ok := e.(map[string]any); ok {
					if name, ok := m["name"].(string); ok && name != "" {
						seg = name
					}
				}
				walk(join(seg), e)
			}
		}
	}
	walk("", v)
	return ps
}
