package planner_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/planner"
	"github.com/mosaic-paas/mosaic/metadata"
)

const schema = "t_acme"

// base is the model most cases start from: an account with a unique name,
// a currency, a picklist and notes, and a contact pointing at it.
func base() *metadata.Model {
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o-acc", Name: "account", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text", Unique: true},
			{ID: "f-amount", Name: "amount", Type: "currency", Settings: metadata.Settings{Scale: intp(2)}},
			{ID: "f-stage", Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: values("open", "won", "lost")}},
			{ID: "f-notes", Name: "notes", Type: "long_text"},
		}},
		{ID: "o-con", Name: "contact", Fields: []*metadata.Field{
			{ID: "f-acc", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
			{ID: "f-email", Name: "email", Type: "email"},
			{ID: "f-tags", Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: values("a", "b", "c")}},
		}},
	}}
}

func intp(n int) *int { return &n }

func values(vs ...string) []metadata.PicklistValue {
	out := make([]metadata.PicklistValue, len(vs))
	for i, v := range vs {
		out[i] = metadata.PicklistValue{Value: v}
	}
	return out
}

func field(m *metadata.Model, object, name string) *metadata.Field {
	return m.Object(object).Field(name)
}

func removeField(m *metadata.Model, object, name string) {
	o := m.Object(object)
	for i, f := range o.Fields {
		if f.Name == name {
			o.Fields = append(o.Fields[:i], o.Fields[i+1:]...)
			return
		}
	}
}

func removeObject(m *metadata.Model, name string) {
	for i, o := range m.Objects {
		if o.Name == name {
			m.Objects = append(m.Objects[:i], m.Objects[i+1:]...)
			return
		}
	}
}

// SQL names per dialect.

func tbl(d dialect.Dialect, name string) string { return d.Table(schema, name) }

func renameTo(d dialect.Dialect, name string) string {
	return dialect.Quote(compiled.TableName(d, schema, name))
}

func idxName(d dialect.Dialect, prefix, objectID, fieldID string) string {
	return dialect.Quote(compiled.TableName(d, schema, compiled.NameOf(prefix, objectID, fieldID)))
}

func dropIdx(d dialect.Dialect, prefix, objectID, fieldID string) string {
	return "DROP INDEX " + d.Table(schema, compiled.NameOf(prefix, objectID, fieldID))
}

func fkName(objectID, fieldID string) string {
	return dialect.Quote(compiled.NameOf("f", objectID, fieldID))
}

func systemColumns(d dialect.Dialect) string {
	if d.Name() == "sqlite" {
		return `"id" TEXT PRIMARY KEY NOT NULL, "created_at" TEXT NOT NULL, "created_by" TEXT, "updated_at" TEXT NOT NULL, "updated_by" TEXT, "owner_id" TEXT, "version" INTEGER NOT NULL, "record_type" TEXT`
	}
	return `"id" uuid PRIMARY KEY NOT NULL, "created_at" timestamptz NOT NULL, "created_by" uuid, "updated_at" timestamptz NOT NULL, "updated_by" uuid, "owner_id" uuid, "version" bigint NOT NULL, "record_type" text`
}

const systemList = `"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version", "record_type"`

func rebuildTable(d dialect.Dialect, objectID string) string {
	return dialect.Quote(compiled.TableName(d, schema, compiled.NameOf("_rebuild", objectID)))
}

// rebuild is the SQLite table rebuild of an object: create, copy, drop,
// rename.
func rebuild(d dialect.Dialect, objectID, object, columns, insertCols, selectCols string) []string {
	tmp := rebuildTable(d, objectID)
	return []string{
		fmt.Sprintf("CREATE TABLE %s (%s, %s) STRICT", tmp, systemColumns(d), columns),
		fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s", tmp, systemList, insertCols, systemList, selectCols, tbl(d, object)),
		"DROP TABLE " + tbl(d, object),
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tmp, renameTo(d, object)),
	}
}

// check is the expected form of one planner.Check.
type check struct {
	sql         string
	args        []any
	path        string
	code        string
	confirmable bool
}

func dataLoss(sql, path string, args ...any) check {
	return check{sql: sql, args: args, path: path, code: metadata.ProblemDataLoss}
}

func confirmable(sql, path string) check {
	return check{sql: sql, path: path, code: metadata.ProblemDataLoss, confirmable: true}
}

// want is what a case expects of the plan for one dialect.
type want struct {
	steps     []string
	args      map[int][]any // step index → arguments
	checks    []check
	backfills []string // "object.column"
	problems  []string // "path code"
	changes   []string
}

func ph(d dialect.Dialect, n int) string { return d.Placeholder(n) }

func TestBuild(t *testing.T) {
	tests := []struct {
		name   string
		old    func() *metadata.Model
		mutate func(m *metadata.Model)
		want   func(d dialect.Dialect) want
	}{
		{
			name:   "create objects",
			old:    func() *metadata.Model { return &metadata.Model{} },
			mutate: func(m *metadata.Model) { m.Objects = base().Objects },
			want: func(d dialect.Dialect) want {
				if d.Name() == "sqlite" {
					return want{
						steps: []string{
							`CREATE TABLE "t_acme__account" (` + systemColumns(d) + `, "name" TEXT, "amount" INTEGER, "stage" TEXT, "notes" TEXT) STRICT`,
							`CREATE TABLE "t_acme__contact" (` + systemColumns(d) + `, "account" TEXT REFERENCES "t_acme__account" ("id") ON DELETE RESTRICT, "email" TEXT, "tags" TEXT) STRICT`,
							`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-acc", "f-name") + ` ON "t_acme__account" ("name")`,
							`CREATE INDEX ` + idxName(d, "i", "o-con", "f-acc") + ` ON "t_acme__contact" ("account")`,
						},
						changes: []string{"create object account", "create object contact"},
					}
				}
				return want{
					steps: []string{
						`CREATE TABLE "t_acme"."account" (` + systemColumns(d) + `, "name" text, "amount" numeric(18,2), "stage" text, "notes" text)`,
						`CREATE TABLE "t_acme"."contact" (` + systemColumns(d) + `, "account" uuid, "email" text, "tags" text[])`,
						`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-acc", "f-name") + ` ON "t_acme"."account" ("name")`,
						`CREATE INDEX ` + idxName(d, "i", "o-con", "f-acc") + ` ON "t_acme"."contact" ("account")`,
						`ALTER TABLE "t_acme"."contact" ADD CONSTRAINT ` + fkName("o-con", "f-acc") + ` FOREIGN KEY ("account") REFERENCES "t_acme"."account" ("id") ON DELETE RESTRICT`,
					},
					changes: []string{"create object account", "create object contact"},
				}
			},
		},
		{
			name:   "nothing changed",
			mutate: func(m *metadata.Model) {},
			want:   func(d dialect.Dialect) want { return want{} },
		},
		{
			name: "rename an object: lookups follow it by id",
			mutate: func(m *metadata.Model) {
				m.Object("account").Name = "company"
				field(m, "contact", "account").Settings.Target = "company"
			},
			want: func(d dialect.Dialect) want {
				return want{
					steps:   []string{fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, "account"), renameTo(d, "company"))},
					changes: []string{"rename object account to company"},
				}
			},
		},
		{
			name:   "rename a field",
			mutate: func(m *metadata.Model) { field(m, "account", "name").Name = "title" },
			want: func(d dialect.Dialect) want {
				return want{
					steps:   []string{fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN "name" TO "title"`, tbl(d, "account"))},
					changes: []string{"rename field account.name to title"},
				}
			},
		},
		{
			name: "rename an indexed lookup field",
			mutate: func(m *metadata.Model) {
				field(m, "contact", "account").Name = "company"
			},
			want: func(d dialect.Dialect) want {
				return want{
					steps:   []string{fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN "account" TO "company"`, tbl(d, "contact"))},
					changes: []string{"rename field contact.account to company"},
				}
			},
		},
		{
			name: "add fields: plain, unique, lookup",
			mutate: func(m *metadata.Model) {
				o := m.Object("contact")
				o.Fields = append(o.Fields,
					&metadata.Field{ID: "f-phone", Name: "phone", Type: "phone"},
					&metadata.Field{ID: "f-ext", Name: "ext", Type: "external_id"},
					&metadata.Field{ID: "f-mgr", Name: "manager", Type: "lookup", Settings: metadata.Settings{Target: "contact", OnDelete: metadata.OnDeleteSetNull}},
				)
			},
			want: func(d dialect.Dialect) want {
				changes := []string{"add field contact.phone (phone)", "add field contact.ext (external_id)", "add field contact.manager (lookup)"}
				if d.Name() == "sqlite" {
					return want{
						steps: []string{
							`ALTER TABLE "t_acme__contact" ADD COLUMN "phone" TEXT`,
							`ALTER TABLE "t_acme__contact" ADD COLUMN "ext" TEXT`,
							`ALTER TABLE "t_acme__contact" ADD COLUMN "manager" TEXT REFERENCES "t_acme__contact" ("id") ON DELETE SET NULL`,
							`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-ext") + ` ON "t_acme__contact" ("ext")`,
							`CREATE INDEX ` + idxName(d, "i", "o-con", "f-mgr") + ` ON "t_acme__contact" ("manager")`,
						},
						changes: changes,
					}
				}
				return want{
					steps: []string{
						`ALTER TABLE "t_acme"."contact" ADD COLUMN "phone" text`,
						`ALTER TABLE "t_acme"."contact" ADD COLUMN "ext" text`,
						`ALTER TABLE "t_acme"."contact" ADD COLUMN "manager" uuid`,
						`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-ext") + ` ON "t_acme"."contact" ("ext")`,
						`CREATE INDEX ` + idxName(d, "i", "o-con", "f-mgr") + ` ON "t_acme"."contact" ("manager")`,
						`ALTER TABLE "t_acme"."contact" ADD CONSTRAINT ` + fkName("o-con", "f-mgr") + ` FOREIGN KEY ("manager") REFERENCES "t_acme"."contact" ("id") ON DELETE SET NULL`,
					},
					changes: changes,
				}
			},
		},
		{
			name:   "drop a field",
			mutate: func(m *metadata.Model) { removeField(m, "account", "notes") },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{confirmable(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE "notes" IS NOT NULL`, "objects.account.fields.notes")},
					steps:   []string{`ALTER TABLE ` + tbl(d, "account") + ` DROP COLUMN "notes"`},
					changes: []string{"delete field account.notes"},
				}
			},
		},
		{
			// SQLite refuses to drop an indexed column: the index goes first.
			name:   "drop a unique field",
			mutate: func(m *metadata.Model) { removeField(m, "account", "name") },
			want: func(d dialect.Dialect) want {
				return want{
					checks: []check{confirmable(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE "name" IS NOT NULL`, "objects.account.fields.name")},
					steps: []string{
						dropIdx(d, "u", "o-acc", "f-name"),
						`ALTER TABLE ` + tbl(d, "account") + ` DROP COLUMN "name"`,
					},
					changes: []string{"delete field account.name"},
				}
			},
		},
		{
			// SQLite cannot drop a column with a foreign key: the table is
			// rebuilt without it.
			name:   "drop a lookup field",
			mutate: func(m *metadata.Model) { removeField(m, "contact", "account") },
			want: func(d dialect.Dialect) want {
				checks := []check{confirmable(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE "account" IS NOT NULL`, "objects.contact.fields.account")}
				if d.Name() == "sqlite" {
					return want{
						checks:  checks,
						steps:   rebuild(d, "o-con", "contact", `"email" TEXT, "tags" TEXT`, `"email", "tags"`, `"email", "tags"`),
						changes: []string{"delete field contact.account", "rebuild table of contact"},
					}
				}
				return want{
					checks: checks,
					steps: []string{
						dropIdx(d, "i", "o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" DROP COLUMN "account"`,
					},
					changes: []string{"delete field contact.account"},
				}
			},
		},
		{
			name:   "drop an object",
			mutate: func(m *metadata.Model) { removeObject(m, "contact") },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{confirmable(`SELECT count(*) FROM `+tbl(d, "contact"), "objects.contact")},
					steps:   []string{"DROP TABLE " + tbl(d, "contact")},
					changes: []string{"delete object contact and its records"},
				}
			},
		},
		{
			name:   "text to long_text needs nothing",
			mutate: func(m *metadata.Model) { field(m, "account", "name").Type = "long_text" },
			want: func(d dialect.Dialect) want {
				return want{changes: []string{"change field account.name from text to long_text"}}
			},
		},
		{
			name:   "text narrowed",
			mutate: func(m *metadata.Model) { field(m, "account", "name").Settings.MaxLength = 50 },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE length("name") > `+ph(d, 1), "objects.account.fields.name", int64(50))},
					changes: []string{"change the maximum length of field account.name from 255 to 50 characters"},
				}
			},
		},
		{
			name:   "long_text to text",
			mutate: func(m *metadata.Model) { field(m, "account", "notes").Type = "text" },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE length("notes") > `+ph(d, 1), "objects.account.fields.notes", int64(255))},
					changes: []string{"change field account.notes from long_text to text"},
				}
			},
		},
		{
			name: "text to picklist checks every value is a choice",
			mutate: func(m *metadata.Model) {
				f := field(m, "account", "notes")
				f.Type, f.Settings.Values = "picklist", values("x", "y")
			},
			want: func(d dialect.Dialect) want {
				return want{
					checks: []check{dataLoss(fmt.Sprintf(`SELECT count(*) FROM %s WHERE "notes" IS NOT NULL AND "notes" NOT IN (%s, %s)`, tbl(d, "account"), ph(d, 1), ph(d, 2)),
						"objects.account.fields.notes", "x", "y")},
					changes: []string{"change field account.notes from long_text to picklist"},
				}
			},
		},
		{
			name: "picklist to text",
			mutate: func(m *metadata.Model) {
				f := field(m, "account", "stage")
				f.Type, f.Settings.Values = "text", nil
			},
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE length("stage") > `+ph(d, 1), "objects.account.fields.stage", int64(255))},
					changes: []string{"change field account.stage from picklist to text"},
				}
			},
		},
		{
			name:   "picklist value removed",
			mutate: func(m *metadata.Model) { field(m, "account", "stage").Settings.Values = values("open", "won") },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE "stage" = `+ph(d, 1), "objects.account.fields.stage", "lost")},
					changes: []string{`remove the value "lost" of field account.stage`},
				}
			},
		},
		{
			name: "picklist value deactivated needs nothing",
			mutate: func(m *metadata.Model) {
				off := false
				field(m, "account", "stage").Settings.Values[2].Active = &off
			},
			want: func(d dialect.Dialect) want { return want{} },
		},
		{
			name:   "multi-picklist value removed",
			mutate: func(m *metadata.Model) { field(m, "contact", "tags").Settings.Values = values("a", "c") },
			want: func(d dialect.Dialect) want {
				where := `EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)`
				if d.Name() == "postgres" {
					where = `$1 = ANY("tags")`
				}
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE `+where, "objects.contact.fields.tags", "b")},
					changes: []string{`remove the value "b" of field contact.tags`},
				}
			},
		},
		{
			name:   "currency scale grows",
			mutate: func(m *metadata.Model) { field(m, "account", "amount").Settings.Scale = intp(4) },
			want: func(d dialect.Dialect) want {
				path := "objects.account.fields.amount"
				changes := []string{"change field account.amount from precision 18, scale 2 to precision 18, scale 4"}
				if d.Name() == "sqlite" {
					return want{
						checks: []check{
							dataLoss(`SELECT count(*) FROM "t_acme__account" WHERE abs("amount") >= ?1`, path, int64(1e16)),
							dataLoss(`SELECT count(*) FROM "t_acme__account" WHERE abs("amount") > ?1`, path, int64(1<<62)/100),
						},
						steps:   []string{`UPDATE "t_acme__account" SET "amount" = "amount" * ?1`},
						args:    map[int][]any{0: {int64(100)}},
						changes: changes,
					}
				}
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM "t_acme"."account" WHERE abs("amount") >= $1`, path, "100000000000000")},
					steps:   []string{`ALTER TABLE "t_acme"."account" ALTER COLUMN "amount" TYPE numeric(18,4) USING "amount"::numeric(18,4)`},
					changes: changes,
				}
			},
		},
		{
			name:   "currency scale shrinks",
			mutate: func(m *metadata.Model) { field(m, "account", "amount").Settings.Scale = intp(1) },
			want: func(d dialect.Dialect) want {
				path := "objects.account.fields.amount"
				changes := []string{"change field account.amount from precision 18, scale 2 to precision 18, scale 1"}
				if d.Name() == "sqlite" {
					return want{
						checks:  []check{dataLoss(`SELECT count(*) FROM "t_acme__account" WHERE "amount" % ?1 <> 0`, path, int64(10))},
						steps:   []string{`UPDATE "t_acme__account" SET "amount" = "amount" / ?1`},
						args:    map[int][]any{0: {int64(10)}},
						changes: changes,
					}
				}
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM "t_acme"."account" WHERE "amount" <> round("amount", 1)`, path)},
					steps:   []string{`ALTER TABLE "t_acme"."account" ALTER COLUMN "amount" TYPE numeric(18,1) USING "amount"::numeric(18,1)`},
					changes: changes,
				}
			},
		},
		{
			name:   "decimal precision shrinks",
			mutate: func(m *metadata.Model) { field(m, "account", "amount").Settings.Precision = 10 },
			want: func(d dialect.Dialect) want {
				path := "objects.account.fields.amount"
				changes := []string{"change field account.amount from precision 18, scale 2 to precision 10, scale 2"}
				if d.Name() == "sqlite" {
					return want{
						checks:  []check{dataLoss(`SELECT count(*) FROM "t_acme__account" WHERE abs("amount") >= ?1`, path, int64(1e10))},
						changes: changes,
					}
				}
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM "t_acme"."account" WHERE abs("amount") >= $1`, path, "100000000")},
					steps:   []string{`ALTER TABLE "t_acme"."account" ALTER COLUMN "amount" TYPE numeric(10,2) USING "amount"::numeric(10,2)`},
					changes: changes,
				}
			},
		},
		{
			name: "kind change recreates the column while it is empty",
			mutate: func(m *metadata.Model) {
				f := field(m, "account", "name")
				f.Type, f.Unique = "number", false
			},
			want: func(d dialect.Dialect) want {
				checks := []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "account")+` WHERE "name" IS NOT NULL`, "objects.account.fields.name")}
				if d.Name() == "sqlite" {
					return want{
						checks: checks,
						steps: rebuild(d, "o-acc", "account", `"name" INTEGER, "amount" INTEGER, "stage" TEXT, "notes" TEXT`,
							`"amount", "stage", "notes"`, `"amount", "stage", "notes"`),
						changes: []string{"change field account.name from text to number (only while it is empty)", "rebuild table of account"},
					}
				}
				return want{
					checks: checks,
					steps: []string{
						dropIdx(d, "u", "o-acc", "f-name"),
						`ALTER TABLE "t_acme"."account" DROP COLUMN "name"`,
						`ALTER TABLE "t_acme"."account" ADD COLUMN "name" numeric(18,0)`,
					},
					changes: []string{"change field account.name from text to number (only while it is empty)"},
				}
			},
		},
		{
			name:   "lookup on_delete changes",
			mutate: func(m *metadata.Model) { field(m, "contact", "account").Settings.OnDelete = metadata.OnDeleteCascade },
			want: func(d dialect.Dialect) want {
				change := "change on_delete of field contact.account from restrict to cascade"
				if d.Name() == "sqlite" {
					steps := rebuild(d, "o-con", "contact", `"account" TEXT REFERENCES "t_acme__account" ("id") ON DELETE CASCADE, "email" TEXT, "tags" TEXT`,
						`"account", "email", "tags"`, `"account", "email", "tags"`)
					return want{
						steps:   append(steps, `CREATE INDEX `+idxName(d, "i", "o-con", "f-acc")+` ON "t_acme__contact" ("account")`),
						changes: []string{change, "rebuild table of contact"},
					}
				}
				return want{
					steps: []string{
						`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" ADD CONSTRAINT ` + fkName("o-con", "f-acc") + ` FOREIGN KEY ("account") REFERENCES "t_acme"."account" ("id") ON DELETE CASCADE`,
					},
					changes: []string{change},
				}
			},
		},
		{
			name: "lookup to another object recreates the column while it is empty",
			mutate: func(m *metadata.Model) {
				m.Objects = append(m.Objects, &metadata.Object{ID: "o-par", Name: "partner", Fields: []*metadata.Field{}})
				field(m, "contact", "account").Settings.Target = "partner"
			},
			want: func(d dialect.Dialect) want {
				checks := []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE "account" IS NOT NULL`, "objects.contact.fields.account")}
				changes := []string{"change field contact.account from lookup to lookup (only while it is empty)"}
				if d.Name() == "sqlite" {
					steps := rebuild(d, "o-con", "contact", `"account" TEXT REFERENCES "t_acme__partner" ("id") ON DELETE RESTRICT, "email" TEXT, "tags" TEXT`,
						`"email", "tags"`, `"email", "tags"`)
					return want{
						checks: checks,
						steps: append(steps,
							`CREATE TABLE "t_acme__partner" (`+systemColumns(d)+`) STRICT`,
							`CREATE INDEX `+idxName(d, "i", "o-con", "f-acc")+` ON "t_acme__contact" ("account")`),
						changes: append(changes, "rebuild table of contact", "create object partner"),
					}
				}
				return want{
					checks: checks,
					steps: []string{
						dropIdx(d, "i", "o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" DROP COLUMN "account"`,
						`ALTER TABLE "t_acme"."contact" ADD COLUMN "account" uuid`,
						`CREATE TABLE "t_acme"."partner" (` + systemColumns(d) + `)`,
						`CREATE INDEX ` + idxName(d, "i", "o-con", "f-acc") + ` ON "t_acme"."contact" ("account")`,
						`ALTER TABLE "t_acme"."contact" ADD CONSTRAINT ` + fkName("o-con", "f-acc") + ` FOREIGN KEY ("account") REFERENCES "t_acme"."partner" ("id") ON DELETE RESTRICT`,
					},
					changes: append(changes, "create object partner"),
				}
			},
		},
		{
			name:   "required added without a default",
			mutate: func(m *metadata.Model) { field(m, "contact", "email").Required = true },
			want: func(d dialect.Dialect) want {
				return want{
					checks:  []check{dataLoss(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE "email" IS NULL`, "objects.contact.fields.email")},
					changes: []string{"make field contact.email required"},
				}
			},
		},
		{
			name: "required added with a default",
			mutate: func(m *metadata.Model) {
				f := field(m, "contact", "email")
				f.Required, f.Default = true, `"x@example.com"`
			},
			want: func(d dialect.Dialect) want {
				return want{backfills: []string{"contact.email"}, changes: []string{"make field contact.email required, filling empty records with its default"}}
			},
		},
		{
			name: "new required fields",
			mutate: func(m *metadata.Model) {
				o := m.Object("contact")
				o.Fields = append(o.Fields,
					&metadata.Field{ID: "f-a", Name: "a", Type: "text", Required: true},
					&metadata.Field{ID: "f-b", Name: "b", Type: "text", Required: true, Default: `"b"`},
					&metadata.Field{ID: "f-c", Name: "c", Type: "text", Required: true, Unique: true, Default: `"c"`},
				)
			},
			want: func(d dialect.Dialect) want {
				return want{
					checks: []check{
						dataLoss(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE 1 = 1`, "objects.contact.fields.a"),
						dataLoss(`SELECT CASE WHEN count(*) > 1 THEN count(*) ELSE 0 END FROM `+tbl(d, "contact")+` WHERE 1 = 1`, "objects.contact.fields.c"),
					},
					steps: []string{
						`ALTER TABLE ` + tbl(d, "contact") + ` ADD COLUMN "a" ` + d.ColumnType(dialect.Column{Kind: metadata.KindText}),
						`ALTER TABLE ` + tbl(d, "contact") + ` ADD COLUMN "b" ` + d.ColumnType(dialect.Column{Kind: metadata.KindText}),
						`ALTER TABLE ` + tbl(d, "contact") + ` ADD COLUMN "c" ` + d.ColumnType(dialect.Column{Kind: metadata.KindText}),
						`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-c") + ` ON ` + tbl(d, "contact") + ` ("c")`,
					},
					backfills: []string{"contact.b", "contact.c"},
					changes:   []string{"add field contact.a (text)", "add field contact.b (text)", "add field contact.c (text)"},
				}
			},
		},
		{
			name:   "unique added",
			mutate: func(m *metadata.Model) { field(m, "contact", "email").Unique = true },
			want: func(d dialect.Dialect) want {
				return want{
					checks: []check{dataLoss(`SELECT count(*) FROM (SELECT "email" FROM `+tbl(d, "contact")+` WHERE "email" IS NOT NULL GROUP BY "email" HAVING count(*) > 1) d`,
						"objects.contact.fields.email")},
					steps:   []string{`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-email") + ` ON ` + tbl(d, "contact") + ` ("email")`},
					changes: []string{"make field contact.email unique"},
				}
			},
		},
		{
			name:   "unique removed",
			mutate: func(m *metadata.Model) { field(m, "account", "name").Unique = false },
			want: func(d dialect.Dialect) want {
				return want{steps: []string{dropIdx(d, "u", "o-acc", "f-name")}, changes: []string{"make field account.name no longer unique"}}
			},
		},
		{
			name: "auto_number conversion refused, whatever the kind",
			mutate: func(m *metadata.Model) {
				for _, name := range []string{"notes", "amount"} {
					f := field(m, "account", name)
					f.Type, f.Settings = "auto_number", metadata.Settings{Format: "A-{000}"}
				}
			},
			want: func(d dialect.Dialect) want {
				return want{problems: []string{
					"objects.account.fields.amount.type " + metadata.ProblemUnsupported,
					"objects.account.fields.notes.type " + metadata.ProblemUnsupported,
				}}
			},
		},
		{
			// Checks run before any step, so they read the old names; steps
			// run after the rename, so they use the new ones.
			name: "rename an object and change its fields in one change",
			mutate: func(m *metadata.Model) {
				m.Object("account").Name = "company"
				field(m, "contact", "account").Settings.Target = "company"
				field(m, "company", "name").Settings.MaxLength = 50
				f := field(m, "company", "amount")
				f.Name, f.Settings.Scale = "total", intp(3)
			},
			want: func(d dialect.Dialect) want {
				old := tbl(d, "account")
				checks := []check{dataLoss(`SELECT count(*) FROM `+old+` WHERE length("name") > `+ph(d, 1), "objects.company.fields.name", int64(50))}
				if d.Name() == "sqlite" {
					checks = append(checks,
						dataLoss(`SELECT count(*) FROM `+old+` WHERE abs("amount") >= ?1`, "objects.company.fields.total", int64(1e17)),
						dataLoss(`SELECT count(*) FROM `+old+` WHERE abs("amount") > ?1`, "objects.company.fields.total", int64(1<<62)/10))
				} else {
					checks = append(checks, dataLoss(`SELECT count(*) FROM `+old+` WHERE abs("amount") >= $1`, "objects.company.fields.total", "1000000000000000"))
				}
				w := want{
					checks: checks,
					steps: []string{
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", old, renameTo(d, "company")),
						fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN "amount" TO "total"`, tbl(d, "company")),
					},
					changes: []string{
						"rename object account to company",
						"change the maximum length of field company.name from 255 to 50 characters",
						"change field company.total from precision 18, scale 2 to precision 18, scale 3",
						"rename field company.amount to total",
					},
				}
				if d.Name() == "sqlite" {
					w.steps = append(w.steps, `UPDATE "t_acme__company" SET "total" = "total" * ?1`)
					w.args = map[int][]any{2: {int64(10)}}
				} else {
					w.steps = append(w.steps, `ALTER TABLE "t_acme"."company" ALTER COLUMN "total" TYPE numeric(18,3) USING "total"::numeric(18,3)`)
				}
				return w
			},
		},
		{
			name: "rename and retype a field, with a SQLite rebuild",
			mutate: func(m *metadata.Model) {
				field(m, "contact", "account").Settings.OnDelete = metadata.OnDeleteSetNull
				f := field(m, "contact", "email")
				f.Name, f.Type = "mail", "phone"
			},
			want: func(d dialect.Dialect) want {
				if d.Name() == "postgres" {
					return want{
						checks: []check{dataLoss(`SELECT count(*) FROM "t_acme"."contact" WHERE length("email") > $1`, "objects.contact.fields.mail", int64(40))},
						steps: []string{
							`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
							`ALTER TABLE "t_acme"."contact" RENAME COLUMN "email" TO "mail"`,
							`ALTER TABLE "t_acme"."contact" ADD CONSTRAINT ` + fkName("o-con", "f-acc") + ` FOREIGN KEY ("account") REFERENCES "t_acme"."account" ("id") ON DELETE SET NULL`,
						},
						changes: []string{
							"change on_delete of field contact.account from restrict to set_null",
							"change field contact.mail from email to phone",
							"rename field contact.email to mail",
						},
					}
				}
				// The rebuild copies the old column into the new one.
				steps := rebuild(d, "o-con", "contact", `"account" TEXT REFERENCES "t_acme__account" ("id") ON DELETE SET NULL, "mail" TEXT, "tags" TEXT`,
					`"account", "mail", "tags"`, `"account", "email", "tags"`)
				return want{
					checks: []check{dataLoss(`SELECT count(*) FROM "t_acme__contact" WHERE length("email") > ?1`, "objects.contact.fields.mail", int64(40))},
					steps:  append(steps, `CREATE INDEX `+idxName(d, "i", "o-con", "f-acc")+` ON "t_acme__contact" ("account")`),
					changes: []string{
						"change on_delete of field contact.account from restrict to set_null",
						"change field contact.mail from email to phone",
						"rename field contact.email to mail",
						"rebuild table of contact",
					},
				}
			},
		},
		{
			name: "swap field names through temporary names",
			mutate: func(m *metadata.Model) {
				field(m, "account", "name").Name = "x"
				field(m, "account", "notes").Name = "name"
				field(m, "account", "x").Name = "notes"
			},
			want: func(d dialect.Dialect) want {
				t := tbl(d, "account")
				tmpName := dialect.Quote(compiled.NameOf("_rename", "f-name"))
				tmpNotes := dialect.Quote(compiled.NameOf("_rename", "f-notes"))
				return want{
					steps: []string{
						fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN "name" TO %s`, t, tmpName),
						fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN "notes" TO %s`, t, tmpNotes),
						fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN %s TO "notes"`, t, tmpName),
						fmt.Sprintf(`ALTER TABLE %s RENAME COLUMN %s TO "name"`, t, tmpNotes),
					},
					changes: []string{"rename field account.name to notes", "rename field account.notes to name"},
				}
			},
		},
		{
			name: "swap object names through temporary names",
			mutate: func(m *metadata.Model) {
				m.Object("account").Name = "x"
				m.Object("contact").Name = "account"
				m.Object("x").Name = "contact"
				field(m, "account", "account").Settings.Target = "contact"
			},
			want: func(d dialect.Dialect) want {
				tmpAcc := compiled.NameOf("_rename", "o-acc")
				tmpCon := compiled.NameOf("_rename", "o-con")
				return want{
					steps: []string{
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, "account"), renameTo(d, tmpAcc)),
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, "contact"), renameTo(d, tmpCon)),
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, tmpAcc), renameTo(d, "contact")),
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, tmpCon), renameTo(d, "account")),
					},
					changes: []string{"rename object account to contact", "rename object contact to account"},
				}
			},
		},
		{
			name: "delete an object and give its name to another",
			mutate: func(m *metadata.Model) {
				removeObject(m, "contact")
				m.Object("account").Name = "contact"
			},
			want: func(d dialect.Dialect) want {
				return want{
					checks: []check{confirmable(`SELECT count(*) FROM `+tbl(d, "contact"), "objects.contact")},
					steps: []string{
						"DROP TABLE " + tbl(d, "contact"),
						fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tbl(d, "account"), renameTo(d, "contact")),
					},
					changes: []string{"delete object contact and its records", "rename object account to contact"},
				}
			},
		},
		{
			// PostgreSQL refuses to drop a table another one references:
			// the references go first.
			name: "delete an object still referenced by a lookup deleted with it",
			mutate: func(m *metadata.Model) {
				removeObject(m, "account")
				removeField(m, "contact", "account")
			},
			want: func(d dialect.Dialect) want {
				checks := []check{
					confirmable(`SELECT count(*) FROM `+tbl(d, "account"), "objects.account"),
					confirmable(`SELECT count(*) FROM `+tbl(d, "contact")+` WHERE "account" IS NOT NULL`, "objects.contact.fields.account"),
				}
				if d.Name() == "sqlite" {
					return want{
						checks:  checks,
						steps:   append([]string{`DROP TABLE "t_acme__account"`}, rebuild(d, "o-con", "contact", `"email" TEXT, "tags" TEXT`, `"email", "tags"`, `"email", "tags"`)...),
						changes: []string{"delete object account and its records", "delete field contact.account", "rebuild table of contact"},
					}
				}
				return want{
					checks: checks,
					steps: []string{
						`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
						`DROP TABLE "t_acme"."account"`,
						dropIdx(d, "i", "o-con", "f-acc"),
						`ALTER TABLE "t_acme"."contact" DROP COLUMN "account"`,
					},
					changes: []string{"delete object account and its records", "delete field contact.account"},
				}
			},
		},
		{
			name: "delete objects that reference each other",
			old: func() *metadata.Model {
				m := base()
				m.Object("account").Fields = append(m.Object("account").Fields,
					&metadata.Field{ID: "f-main", Name: "main_contact", Type: "lookup", Settings: metadata.Settings{Target: "contact"}})
				return m
			},
			mutate: func(m *metadata.Model) { m.Objects = nil },
			want: func(d dialect.Dialect) want {
				checks := []check{
					confirmable(`SELECT count(*) FROM `+tbl(d, "account"), "objects.account"),
					confirmable(`SELECT count(*) FROM `+tbl(d, "contact"), "objects.contact"),
				}
				changes := []string{"delete object account and its records", "delete object contact and its records"}
				if d.Name() == "sqlite" {
					return want{checks: checks, steps: []string{`DROP TABLE "t_acme__account"`, `DROP TABLE "t_acme__contact"`}, changes: changes}
				}
				return want{
					checks: checks,
					steps: []string{
						`ALTER TABLE "t_acme"."account" DROP CONSTRAINT IF EXISTS ` + fkName("o-acc", "f-main"),
						`ALTER TABLE "t_acme"."contact" DROP CONSTRAINT IF EXISTS ` + fkName("o-con", "f-acc"),
						`DROP TABLE "t_acme"."account"`,
						`DROP TABLE "t_acme"."contact"`,
					},
					changes: changes,
				}
			},
		},
	}
	for _, tt := range tests {
		for _, d := range []dialect.Dialect{dialect.SQLite{}, dialect.Postgres{}} {
			t.Run(tt.name+"/"+d.Name(), func(t *testing.T) {
				oldModel := base()
				if tt.old != nil {
					oldModel = tt.old()
				}
				newModel := oldModel.Clone()
				tt.mutate(newModel)
				require.Empty(t, metadata.Validate(oldModel, nil), "old model")
				require.Empty(t, metadata.Validate(newModel, nil), "new model")

				plan, ps := planner.Build(d, schema, oldModel, newModel)
				w := tt.want(d)

				var problems []string
				for _, p := range ps {
					problems = append(problems, p.Path+" "+p.Code)
				}
				assert.ElementsMatch(t, w.problems, problems)
				if len(w.problems) > 0 {
					return
				}
				assert.Equal(t, w.steps, stepSQL(plan), "steps")
				for i, args := range w.args {
					if assert.Less(t, i, len(plan.Steps)) {
						assert.Equal(t, args, plan.Steps[i].Args, "arguments of step %d", i)
					}
				}
				for i, s := range plan.Steps {
					if _, ok := w.args[i]; !ok {
						assert.Empty(t, s.Args, "arguments of step %d", i)
					}
				}
				var checks []check
				for _, c := range plan.Checks {
					checks = append(checks, check{sql: c.SQL, args: c.Args, path: c.Path, code: c.Code, confirmable: c.Confirmable})
					assert.NotEmpty(t, c.Message(3), "message of %s", c.SQL)
				}
				assert.Equal(t, w.checks, checks, "checks")
				var backfills []string
				for _, bf := range plan.Backfills {
					backfills = append(backfills, bf.Object.Meta.Name+"."+bf.Column.Name)
				}
				assert.Equal(t, w.backfills, backfills, "backfills")
				assert.Equal(t, w.changes, plan.Changes, "changes")
				assert.Equal(t, len(w.steps) == 0 && len(w.backfills) == 0, plan.Empty())
			})
		}
	}
}

func stepSQL(p *planner.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.SQL)
	}
	return out
}

// Messages of refusals name the field and the count.
func TestCheckMessages(t *testing.T) {
	old := base()
	m := old.Clone()
	field(m, "account", "amount").Settings.Scale = intp(1)
	field(m, "account", "name").Settings.MaxLength = 10
	field(m, "account", "stage").Settings.Values = values("open", "won")
	field(m, "contact", "email").Unique = true
	removeField(m, "account", "notes")
	require.Empty(t, metadata.Validate(m, nil))
	plan, ps := planner.Build(dialect.Postgres{}, schema, old, m)
	require.Empty(t, ps)
	var messages []string
	for _, c := range plan.Checks {
		messages = append(messages, c.Message(2))
	}
	assert.ElementsMatch(t, []string{
		`field "notes" has values in 2 records; deleting it deletes them`,
		`2 records have a "name" longer than 10 characters`,
		`2 records have a "amount" with more than 1 decimal places`,
		`2 records use the value "lost" of "stage"; deactivate it (active: false) instead of removing it`,
		`field "email" cannot become unique: 2 values occur in more than one record`,
	}, messages)
}

// A plan reads the same every time it is built: it is shown to people
// before it runs.
func TestBuildIsDeterministic(t *testing.T) {
	old := base()
	for i := range 6 {
		id := fmt.Sprintf("f-l%d", i)
		old.Object("contact").Fields = append(old.Object("contact").Fields,
			&metadata.Field{ID: id, Name: fmt.Sprintf("l%d", i), Type: "lookup", Unique: i%2 == 0, Settings: metadata.Settings{Target: "account"}})
	}
	m := old.Clone()
	for _, f := range m.Object("contact").Fields {
		if f.Type == "lookup" {
			f.Settings.OnDelete = metadata.OnDeleteCascade
			f.Unique = !f.Unique
		}
	}
	for _, d := range []dialect.Dialect{dialect.SQLite{}, dialect.Postgres{}} {
		first, _ := planner.Build(d, schema, old, m)
		require.NotEmpty(t, first.Steps)
		for range 20 {
			again, _ := planner.Build(d, schema, old, m)
			require.Equal(t, stepSQL(first), stepSQL(again), d.Name())
		}
	}
}

// Every step of a SQLite plan that rebuilds a table keeps STRICT and
// re-creates every index of the table.
func TestSQLiteRebuildKeepsIndexes(t *testing.T) {
	old := base()
	old.Object("contact").Fields = append(old.Object("contact").Fields,
		&metadata.Field{ID: "f-ext", Name: "ext", Type: "external_id"},
		&metadata.Field{ID: "f-u", Name: "code", Type: "text", Unique: true})
	m := old.Clone()
	field(m, "contact", "account").Settings.OnDelete = metadata.OnDeleteCascade
	plan, ps := planner.Build(dialect.SQLite{}, schema, old, m)
	require.Empty(t, ps)
	steps := stepSQL(plan)
	require.NotEmpty(t, steps)
	assert.True(t, strings.HasSuffix(steps[0], ") STRICT"))
	d := dialect.SQLite{}
	assert.Equal(t, []string{
		`CREATE INDEX ` + idxName(d, "i", "o-con", "f-acc") + ` ON "t_acme__contact" ("account")`,
		`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-ext") + ` ON "t_acme__contact" ("ext")`,
		`CREATE UNIQUE INDEX ` + idxName(d, "u", "o-con", "f-u") + ` ON "t_acme__contact" ("code")`,
	}, steps[len(steps)-3:])
}
