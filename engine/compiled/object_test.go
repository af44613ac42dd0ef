package compiled_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

const schema = "t_acme"

var (
	sqlite   = dialect.SQLite{}
	postgres = dialect.Postgres{}
)

func intp(n int) *int { return &n }

func values(vs ...string) []metadata.PicklistValue {
	out := make([]metadata.PicklistValue, len(vs))
	for i, v := range vs {
		out[i] = metadata.PicklistValue{Value: v}
	}
	return out
}

// model has a deal with a field of every type, an account and a contact
// that deal points at, listed out of name order.
func model() *metadata.Model {
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o-deal", Name: "deal", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text", Unique: true},
			{ID: "f-notes", Name: "notes", Type: "long_text"},
			{ID: "f-email", Name: "email", Type: "email"},
			{ID: "f-phone", Name: "phone", Type: "phone"},
			{ID: "f-site", Name: "site", Type: "url"},
			{ID: "f-stage", Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: values("open", "won")}},
			{ID: "f-tags", Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: values("a", "b")}},
			{ID: "f-amount", Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 12, Scale: intp(2)}},
			{ID: "f-qty", Name: "quantity", Type: "number"},
			{ID: "f-disc", Name: "discount", Type: "percent", Settings: metadata.Settings{Scale: intp(4)}},
			{ID: "f-close", Name: "close_date", Type: "date", Default: "$today"},
			{ID: "f-closed", Name: "closed_at", Type: "datetime"},
			{ID: "f-won", Name: "won", Type: "boolean", Default: "false"},
			{ID: "f-acc", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account", OnDelete: metadata.OnDeleteCascade}},
			{ID: "f-con", Name: "contact", Type: "lookup", Settings: metadata.Settings{Target: "contact", OnDelete: metadata.OnDeleteSetNull}},
			{ID: "f-parent", Name: "parent", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
			{ID: "f-ext", Name: "ext", Type: "external_id"},
			{ID: "f-num", Name: "number", Type: "auto_number", Settings: metadata.Settings{Format: "D-{0000}"}},
		}},
		{ID: "o-con", Name: "contact", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text", Unique: true},
			{ID: "f-acc", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account", OnDelete: metadata.OnDeleteRestrict}},
		}},
		{ID: "o-acc", Name: "account", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text"},
			{ID: "f-amount", Name: "amount", Type: "currency"},
		}},
	}}
}

func names(cols []*compiled.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func TestCompileObjectColumns(t *testing.T) {
	m := model()
	for _, d := range []dialect.Dialect{sqlite, postgres} {
		t.Run(d.Name(), func(t *testing.T) {
			o := compiled.CompileObject(d, schema, m.Object("deal"))
			assert.Same(t, m.Object("deal"), o.Meta)
			assert.Equal(t, []string{
				"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version", "record_type",
				"name", "notes", "email", "phone", "site", "stage", "tags", "amount", "quantity", "discount",
				"close_date", "closed_at", "won", "account", "contact", "parent", "ext", "number",
			}, names(o.Columns))
			assert.Equal(t, names(o.Columns[8:]), names(o.FieldColumns()))

			var quoted []string
			for i, c := range o.Columns {
				assert.Equal(t, i, c.Index, c.Name)
				assert.Equal(t, `"`+c.Name+`"`, c.Quoted)
				assert.Equal(t, i < 8, c.System, c.Name)
				if c.System {
					assert.Nil(t, c.Field, c.Name)
				} else {
					require.NotNil(t, c.Field, c.Name)
					assert.Equal(t, c.Name, c.Field.Name)
					assert.Equal(t, dialect.ColumnOf(c.Field), c.Type, c.Name)
				}
				got, ok := o.Column(c.Name)
				assert.True(t, ok)
				assert.Same(t, c, got)
				quoted = append(quoted, c.Quoted)
			}
			assert.Equal(t, strings.Join(quoted, ", "), o.SelectList)
			_, ok := o.Column("nope")
			assert.False(t, ok)

			kinds := map[string]dialect.Column{
				"id":          {Kind: metadata.KindID},
				"created_at":  {Kind: metadata.KindDateTime},
				"created_by":  {Kind: metadata.KindID},
				"updated_at":  {Kind: metadata.KindDateTime},
				"updated_by":  {Kind: metadata.KindID},
				"owner_id":    {Kind: metadata.KindID},
				"version":     {Kind: metadata.KindInteger},
				"record_type": {Kind: metadata.KindText},
				"amount":      {Kind: metadata.KindDecimal, Precision: 12, Scale: 2},
				"quantity":    {Kind: metadata.KindDecimal, Precision: 18, Scale: 0},
				"discount":    {Kind: metadata.KindDecimal, Precision: 18, Scale: 4},
				"tags":        {Kind: metadata.KindStrings},
				"won":         {Kind: metadata.KindBool},
				"close_date":  {Kind: metadata.KindDate},
				"closed_at":   {Kind: metadata.KindDateTime},
				"account":     {Kind: metadata.KindID},
				"number":      {Kind: metadata.KindText},
			}
			for name, want := range kinds {
				c, _ := o.Column(name)
				assert.Equal(t, want, c.Type, name)
			}
		})
	}
}

// TestCompileObjectSystemColumnsAreCopies checks that each compiled object
// has its own system columns: one object's must not change another's.
func TestCompileObjectSystemColumnsAreCopies(t *testing.T) {
	m := model()
	a := compiled.CompileObject(sqlite, schema, m.Object("account"))
	b := compiled.CompileObject(sqlite, schema, m.Object("contact"))
	assert.NotSame(t, a.Columns[0], b.Columns[0])
	a.Columns[0].Quoted = "changed"
	c := compiled.CompileObject(sqlite, schema, m.Object("account"))
	assert.Equal(t, `"id"`, b.Columns[0].Quoted)
	assert.Equal(t, `"id"`, c.Columns[0].Quoted)
}

func TestCompileObjectIndexes(t *testing.T) {
	m := model()
	type idx struct {
		column string
		unique bool
		name   string
	}
	want := []idx{
		{"name", true, compiled.NameOf("u", "o-deal", "f-name")},
		{"account", false, compiled.NameOf("i", "o-deal", "f-acc")},
		{"contact", false, compiled.NameOf("i", "o-deal", "f-con")},
		{"parent", false, compiled.NameOf("i", "o-deal", "f-parent")},
		{"ext", true, compiled.NameOf("u", "o-deal", "f-ext")},
		{"number", true, compiled.NameOf("u", "o-deal", "f-num")},
	}
	for _, d := range []dialect.Dialect{sqlite, postgres} {
		t.Run(d.Name(), func(t *testing.T) {
			o := compiled.CompileObject(d, schema, m.Object("deal"))
			var got []idx
			for _, ix := range o.Indexes {
				got = append(got, idx{ix.Column.Name, ix.Unique, ix.Name})
				c, _ := o.Column(ix.Column.Name)
				assert.Same(t, c, ix.Column)
				switch d.Name() {
				case "sqlite":
					assert.Equal(t, `"t_acme__`+ix.Name+`"`, ix.CreateName)
					assert.Equal(t, `"t_acme__`+ix.Name+`"`, ix.QualifiedName)
				case "postgres":
					assert.Equal(t, `"`+ix.Name+`"`, ix.CreateName)
					assert.Equal(t, `"t_acme"."`+ix.Name+`"`, ix.QualifiedName)
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestCompileObjectForeignKeys(t *testing.T) {
	m := model()
	type fk struct{ name, column, target, onDelete string }
	tests := []struct {
		d    dialect.Dialect
		want []fk
	}{
		{sqlite, []fk{
			{compiled.NameOf("f", "o-deal", "f-acc"), "account", `"t_acme__account"`, "CASCADE"},
			{compiled.NameOf("f", "o-deal", "f-con"), "contact", `"t_acme__contact"`, "SET NULL"},
			{compiled.NameOf("f", "o-deal", "f-parent"), "parent", `"t_acme__account"`, "RESTRICT"},
		}},
		{postgres, []fk{
			{compiled.NameOf("f", "o-deal", "f-acc"), "account", `"t_acme"."account"`, "CASCADE"},
			{compiled.NameOf("f", "o-deal", "f-con"), "contact", `"t_acme"."contact"`, "SET NULL"},
			{compiled.NameOf("f", "o-deal", "f-parent"), "parent", `"t_acme"."account"`, "RESTRICT"},
		}},
	}
	for _, tt := range tests {
		o := compiled.CompileObject(tt.d, schema, m.Object("deal"))
		var got []fk
		for _, f := range o.ForeignKeys {
			got = append(got, fk{f.Name, f.Column.Name, f.TargetTable, f.OnDelete})
		}
		assert.Equal(t, tt.want, got, tt.d.Name())
	}
	// An explicit restrict is RESTRICT too.
	o := compiled.CompileObject(sqlite, schema, m.Object("contact"))
	require.Len(t, o.ForeignKeys, 1)
	assert.Equal(t, "RESTRICT", o.ForeignKeys[0].OnDelete)
	// No lookups, no foreign keys and no indexes.
	o = compiled.CompileObject(sqlite, schema, m.Object("account"))
	assert.Empty(t, o.ForeignKeys)
	assert.Empty(t, o.Indexes)
}

// TestIndexNamesSurviveRenames checks that index and constraint names come
// from stable ids: renaming the object and its fields keeps them, while the
// same field ids on another object give other names.
func TestIndexNamesSurviveRenames(t *testing.T) {
	m := model()
	renamed := m.Object("deal").Clone()
	renamed.Name = "opportunity"
	for _, f := range renamed.Fields {
		f.Name += "_x"
	}
	for _, d := range []dialect.Dialect{sqlite, postgres} {
		before := compiled.CompileObject(d, schema, m.Object("deal"))
		after := compiled.CompileObject(d, schema, renamed)
		assert.NotEqual(t, before.Table, after.Table)
		require.Len(t, after.Indexes, len(before.Indexes))
		for i := range before.Indexes {
			assert.Equal(t, before.Indexes[i].Name, after.Indexes[i].Name)
			assert.Equal(t, before.Indexes[i].CreateName, after.Indexes[i].CreateName)
			assert.Equal(t, before.Indexes[i].QualifiedName, after.Indexes[i].QualifiedName)
		}
		require.Len(t, after.ForeignKeys, len(before.ForeignKeys))
		for i := range before.ForeignKeys {
			assert.Equal(t, before.ForeignKeys[i].Name, after.ForeignKeys[i].Name)
		}
	}

	// deal and contact both have a unique field "name" with id "f-name".
	deal := compiled.CompileObject(sqlite, schema, m.Object("deal"))
	contact := compiled.CompileObject(sqlite, schema, m.Object("contact"))
	assert.NotEqual(t, deal.Indexes[0].Name, contact.Indexes[0].Name)
	assert.NotEqual(t, deal.ForeignKeys[0].Name, contact.ForeignKeys[0].Name)
}

func TestNameOf(t *testing.T) {
	shape := regexp.MustCompile(`^u_[0-9a-f]{16}$`)
	a := compiled.NameOf("u", "o-1", "f-1")
	assert.Regexp(t, shape, a)
	assert.Equal(t, a, compiled.NameOf("u", "o-1", "f-1"), "deterministic")
	assert.NotEqual(t, a, compiled.NameOf("u", "o-1", "f-2"))
	assert.NotEqual(t, a, compiled.NameOf("u", "o-2", "f-1"))
	assert.NotEqual(t, a, compiled.NameOf("u", "f-1", "o-1"), "order matters")
	assert.NotEqual(t, compiled.NameOf("u", "ab", "c"), compiled.NameOf("u", "a", "bc"))
	assert.Equal(t, "i"+a[1:], compiled.NameOf("i", "o-1", "f-1"), "the prefix does not change the hash")
	// Short enough for PostgreSQL's 63-byte identifiers with a long schema prefix on SQLite.
	assert.Len(t, a, 18)
}

func TestTableName(t *testing.T) {
	assert.Equal(t, "t_acme__deal", compiled.TableName(sqlite, schema, "deal"))
	assert.Equal(t, "deal", compiled.TableName(postgres, schema, "deal"))
	o := compiled.CompileObject(sqlite, schema, model().Object("deal"))
	assert.Equal(t, `"t_acme__deal"`, o.Table)
	assert.Equal(t, "t_acme__deal", o.TableName)
	o = compiled.CompileObject(postgres, schema, model().Object("deal"))
	assert.Equal(t, `"t_acme"."deal"`, o.Table)
	assert.Equal(t, "deal", o.TableName)
}

const sys = `"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version", "record_type"`

func TestCompileObjectSQL(t *testing.T) {
	tests := []struct {
		d                                                 dialect.Dialect
		insert, selectByID, forUpdate, update, del, count string
	}{
		{
			d:          sqlite,
			insert:     `INSERT INTO "t_acme__account" (` + sys + `, "name", "amount") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
			selectByID: `SELECT ` + sys + `, "name", "amount" FROM "t_acme__account" WHERE "id" = ?1`,
			forUpdate:  `SELECT ` + sys + `, "name", "amount" FROM "t_acme__account" WHERE "id" = ?1`,
			update:     `UPDATE "t_acme__account" SET "name" = ?1, "amount" = ?2, "updated_at" = ?3, "updated_by" = ?4, "owner_id" = ?5, "version" = ?6 WHERE "id" = ?7 AND "version" = ?8`,
			del:        `DELETE FROM "t_acme__account" WHERE "id" = ?1`,
			count:      `SELECT count(*) FROM "t_acme__account"`,
		},
		{
			d:          postgres,
			insert:     `INSERT INTO "t_acme"."account" (` + sys + `, "name", "amount") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			selectByID: `SELECT ` + sys + `, "name", "amount" FROM "t_acme"."account" WHERE "id" = $1`,
			forUpdate:  `SELECT ` + sys + `, "name", "amount" FROM "t_acme"."account" WHERE "id" = $1 FOR NO KEY UPDATE`,
			update:     `UPDATE "t_acme"."account" SET "name" = $1, "amount" = $2, "updated_at" = $3, "updated_by" = $4, "owner_id" = $5, "version" = $6 WHERE "id" = $7 AND "version" = $8`,
			del:        `DELETE FROM "t_acme"."account" WHERE "id" = $1`,
			count:      `SELECT count(*) FROM "t_acme"."account"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.d.Name(), func(t *testing.T) {
			o := compiled.CompileObject(tt.d, schema, model().Object("account"))
			assert.Equal(t, tt.insert, o.InsertSQL)
			assert.Equal(t, tt.selectByID, o.SelectByIDSQL)
			assert.Equal(t, tt.forUpdate, o.SelectByIDForUpdateSQL)
			assert.Equal(t, tt.update, o.UpdateSQL)
			assert.Equal(t, tt.del, o.DeleteSQL)
			assert.Equal(t, tt.count, o.CountSQL)
		})
	}
}

// TestCompileObjectSQLArguments checks the argument numbering of the
// statements of an object with many fields: one per column on insert, and
// on update the fields, four system columns, the id and the old version.
func TestCompileObjectSQLArguments(t *testing.T) {
	for _, d := range []dialect.Dialect{sqlite, postgres} {
		o := compiled.CompileObject(d, schema, model().Object("deal"))
		n := len(o.Columns)
		var phs []string
		for i := 1; i <= n; i++ {
			phs = append(phs, d.Placeholder(i))
		}
		assert.True(t, strings.HasSuffix(o.InsertSQL, "VALUES ("+strings.Join(phs, ", ")+")"), o.InsertSQL)

		f := len(o.FieldColumns())
		var sets []string
		for i, c := range o.FieldColumns() {
			sets = append(sets, fmt.Sprintf("%s = %s", c.Quoted, d.Placeholder(i+1)))
		}
		for i, name := range []string{"updated_at", "updated_by", "owner_id", "version"} {
			sets = append(sets, fmt.Sprintf(`"%s" = %s`, name, d.Placeholder(f+i+1)))
		}
		want := fmt.Sprintf(`UPDATE %s SET %s WHERE "id" = %s AND "version" = %s`, o.Table, strings.Join(sets, ", "), d.Placeholder(f+5), d.Placeholder(f+6))
		assert.Equal(t, want, o.UpdateSQL)
		assert.NotContains(t, o.UpdateSQL, `"created_at" =`)
		assert.NotContains(t, o.UpdateSQL, `"created_by" =`)
		assert.NotContains(t, o.UpdateSQL, `"record_type" =`, "a record's type is set at create only")
	}
}

// TestCompileObjectHostileNames checks that names are quoted with embedded
// quotes doubled everywhere they reach SQL.
func TestCompileObjectHostileNames(t *testing.T) {
	obj := &metadata.Object{ID: "o-x", Name: `de"al`, Fields: []*metadata.Field{
		{ID: "f-x", Name: `na"me`, Type: "text", Unique: true},
	}}
	o := compiled.CompileObject(postgres, `t"x`, obj)
	assert.Equal(t, `"t""x"."de""al"`, o.Table)
	c, ok := o.Column(`na"me`)
	require.True(t, ok)
	assert.Equal(t, `"na""me"`, c.Quoted)
	assert.Equal(t, `DELETE FROM "t""x"."de""al" WHERE "id" = $1`, o.DeleteSQL)
	assert.Contains(t, o.InsertSQL, `, "na""me") VALUES`)
	assert.Equal(t, `"t""x".`+`"`+o.Indexes[0].Name+`"`, o.Indexes[0].QualifiedName)

	o = compiled.CompileObject(sqlite, `t"x`, obj)
	assert.Equal(t, `"t""x__de""al"`, o.Table)
	assert.Equal(t, `"t""x__`+o.Indexes[0].Name+`"`, o.Indexes[0].CreateName)
}

func TestModelIsValid(t *testing.T) {
	assert.Empty(t, metadata.Validate(model(), nil), "the fixture must be metadata a tenant could save")
}

func TestCompile(t *testing.T) {
	m := model()
	for _, d := range []dialect.Dialect{sqlite, postgres} {
		t.Run(d.Name(), func(t *testing.T) {
			r, err := compiled.Compile(d, "tenant-1", schema, 7, m)
			require.NoError(t, err)
			assert.Equal(t, "tenant-1", r.TenantID)
			assert.Equal(t, 7, r.Number)
			assert.Same(t, m, r.Model)
			assert.Equal(t, d, r.Dialect)
			assert.Equal(t, schema, r.Schema)

			var got []string
			for _, o := range r.Objects() {
				got = append(got, o.Meta.Name)
				byName, ok := r.Object(o.Meta.Name)
				require.True(t, ok)
				assert.Same(t, o, byName)
			}
			assert.Equal(t, []string{"account", "contact", "deal"}, got, "sorted by name")
			_, ok := r.Object("nope")
			assert.False(t, ok)

			deal, _ := r.Object("deal")
			assert.Len(t, deal.Defaults, 2)
			assert.NotNil(t, deal.Defaults["close_date"])
			assert.NotNil(t, deal.Defaults["won"])
			account, _ := r.Object("account")
			assert.Empty(t, account.Defaults)
			assert.NotNil(t, account.Defaults, "an empty map, not nil")
		})
	}
}

func TestReferrers(t *testing.T) {
	r, err := compiled.Compile(sqlite, "tenant-1", schema, 1, model())
	require.NoError(t, err)

	type ref struct{ object, column string }
	refs := func(target string) []ref {
		var out []ref
		for _, x := range r.Referrers(target) {
			out = append(out, ref{x.Object.Meta.Name, x.Column.Name})
			c, ok := x.Object.Column(x.Column.Name)
			assert.True(t, ok)
			assert.Same(t, c, x.Column)
		}
		return out
	}
	assert.Equal(t, []ref{{"contact", "account"}, {"deal", "account"}, {"deal", "parent"}}, refs("account"))
	assert.Equal(t, []ref{{"deal", "contact"}}, refs("contact"))
	assert.Empty(t, refs("deal"))
	assert.Empty(t, refs("nope"))
}

func TestCompileBadDefault(t *testing.T) {
	tests := []struct{ def, want string }{
		{"1 +", "compiled: default of deal.quantity: unexpected token EOF (1:3)"},
		{"amount * 2", "compiled: default of deal.quantity: unknown name amount (1:1)"},
	}
	for _, tt := range tests {
		m := model()
		m.Object("deal").Field("quantity").Default = tt.def
		r, err := compiled.Compile(sqlite, "tenant-1", schema, 1, m)
		require.Error(t, err, tt.def)
		assert.Nil(t, r)
		assert.True(t, strings.HasPrefix(err.Error(), tt.want), err.Error())
	}
}

func TestCompileEmptyModel(t *testing.T) {
	r, err := compiled.Compile(postgres, "tenant-1", schema, 0, &metadata.Model{})
	require.NoError(t, err)
	assert.Empty(t, r.Objects())
	assert.Empty(t, r.Referrers("account"))
}
