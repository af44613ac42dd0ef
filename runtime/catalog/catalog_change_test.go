package catalog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// Every kind of metadata change, applied to tables that hold data, on both
// stores.

// insertRaw writes a row with plain SQL, bypassing the record path's
// checks, so that only the database's constraints stand in the way.
func (e *env) insertRaw(object string, values map[string]any) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	cols := []string{`"id"`, `"created_at"`, `"updated_at"`, `"version"`}
	args := []any{uuid.Must(uuid.NewV7()).String(), now, now, int64(1)}
	for k, v := range values {
		cols = append(cols, fmt.Sprintf("%q", k))
		args = append(args, v)
	}
	phs := make([]string, len(args))
	for i := range args {
		phs[i] = e.ph(i + 1)
	}
	_, err := e.db.Exec(e.ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", e.table(object), strings.Join(cols, ", "), strings.Join(phs, ", ")), args...)
	return err
}

func (e *env) update(object, id string, values map[string]any) {
	e.t.Helper()
	err := e.retryStale(func() error {
		rev, o := e.obj(object)
		_, err := e.recs.Update(e.ctx, rev, o, records.Actor{}, id, values, nil)
		return err
	})
	require.NoError(e.t, err)
}

// constraint asserts that err is a constraint error of that kind.
func constraint(t *testing.T, err error, kind string) {
	t.Helper()
	var ce *store.ConstraintError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, kind, ce.Kind)
}

func decimalOf(t *testing.T, v any) string {
	t.Helper()
	d, ok := v.(decimal.Decimal)
	require.True(t, ok, "want a decimal, got %T", v)
	return d.String()
}

// rawDecimal is how the database holds a decimal: numeric text on
// PostgreSQL, an integer scaled by 10^scale on SQLite.
func (e *env) rawDecimal(pgText string, sqliteInt int64) any {
	if e.pg() {
		return pgText
	}
	return sqliteInt
}

func TestRenamesKeepDataAndIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(
			object("account", with(field("name", "text"), func(f *metadata.Field) { f.Unique = true }), currency("amount", 2)),
			object("contact", lookup("account", "account", ""), field("email", "email")),
		))
		rev1 := e.rev()
		acc := e.create("account", map[string]any{"name": "Acme", "amount": "12.34"})
		con := e.create("contact", map[string]any{"account": acc, "email": "a@example.com"})
		indexes := e.indexes("contact")

		res := e.change(func(m *metadata.Model) {
			m.Object("account").Name = "company"
			m.Object("company").Field("name").Name = "title"
			f := m.Object("contact").Field("account")
			f.Name = "company"
			f.Settings.Target = "company"
			m.Object("contact").Field("email").Name = "mail"
		})
		assert.ElementsMatch(t, []string{
			"rename object account to company",
			"rename field company.name to title",
			"rename field contact.account to company",
			"rename field contact.email to mail",
		}, res.Changes)

		// Stable ids are unchanged.
		oldAcc, _ := rev1.Object("account")
		newAcc, ok := res.Revision.Object("company")
		require.True(t, ok)
		assert.Equal(t, oldAcc.Meta.ID, newAcc.Meta.ID)
		assert.Equal(t, oldAcc.Meta.Field("name").ID, newAcc.Meta.Field("title").ID)
		oldCon, _ := rev1.Object("contact")
		newCon, _ := res.Revision.Object("contact")
		assert.Equal(t, oldCon.Meta.Field("account").ID, newCon.Meta.Field("company").ID)

		// Tables and data follow.
		assert.Equal(t, []string{"company", "contact"}, e.tables())
		assert.Equal(t, []string{"title", "amount"}, e.fieldNames("company"))
		assert.Equal(t, []string{"company", "mail"}, e.fieldNames("contact"))
		a := e.get("company", acc)
		assert.Equal(t, "Acme", a["title"])
		assert.Equal(t, "12.34", decimalOf(t, a["amount"]))
		c := e.get("contact", con)
		assert.Equal(t, acc, c["company"])
		assert.Equal(t, "a@example.com", c["mail"])

		// Indexes and constraints follow too, and still hold.
		assert.Equal(t, indexes, e.indexes("contact"))
		assert.Equal(t, []string{"company -> " + e.tenant.Schema + ".company ON DELETE RESTRICT"}, e.foreignKeys("contact"))
		_, err := e.tryCreate("company", map[string]any{"title": "Acme"})
		assert.Error(t, err, "title is still unique")
		constraint(t, e.insertRaw("contact", map[string]any{"company": uuid.NewString()}), store.ConstraintForeignKey)
		assert.ErrorIs(t, e.delete("company", acc), records.ErrReferenced)
	})
}

func TestRenameAndRetypeInOneChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("deal", currency("amount", 2), field("notes", "long_text"), field("stage", "text"))))
		id := e.create("deal", map[string]any{"amount": "-12.34", "notes": "short", "stage": "open"})

		e.change(func(m *metadata.Model) {
			o := m.Object("deal")
			o.Name = "opportunity"
			o.Field("amount").Name = "total"
			o.Field("total").Settings.Scale = intp(4)
			o.Field("notes").Name = "summary"
			o.Field("summary").Type = "text"
			s := o.Field("stage")
			s.Name, s.Type, s.Settings.Values = "phase", "picklist", picklistValues("open", "won")
		})
		assert.Equal(t, []string{"opportunity"}, e.tables())
		assert.Equal(t, []string{"total", "summary", "phase"}, e.fieldNames("opportunity"))
		r := e.get("opportunity", id)
		assert.Equal(t, "-12.34", decimalOf(t, r["total"]))
		assert.Equal(t, e.rawDecimal("-12.3400", -123400), e.raw("opportunity", "total", id))
		assert.Equal(t, "short", r["summary"])
		assert.Equal(t, "open", r["phase"])
	})
}

func TestDecimalRescaleKeepsValuesExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("invoice", currency("amount", 2), currency("fee", 3))))
		id := e.create("invoice", map[string]any{"amount": "12.34", "fee": "12.345"})
		neg := e.create("invoice", map[string]any{"amount": "-0.01", "fee": "1.5"})
		empty := e.create("invoice", map[string]any{})

		setScale := func(field string, scale int) func(m *metadata.Model) {
			return func(m *metadata.Model) { m.Object("invoice").Field(field).Settings.Scale = intp(scale) }
		}
		e.change(setScale("amount", 4))
		assert.Equal(t, e.rawDecimal("12.3400", 123400), e.raw("invoice", "amount", id))
		assert.Equal(t, e.rawDecimal("-0.0100", -100), e.raw("invoice", "amount", neg))
		assert.Nil(t, e.raw("invoice", "amount", empty))
		assert.Equal(t, "12.34", decimalOf(t, e.get("invoice", id)["amount"]))
		if e.pg() {
			assert.Contains(t, e.columns("invoice"), "amount numeric(18,4)")
		}
		// New values take the new scale.
		id4 := e.create("invoice", map[string]any{"amount": "0.0001"})
		assert.Equal(t, "0.0001", decimalOf(t, e.get("invoice", id4)["amount"]))
		require.NoError(t, e.delete("invoice", id4))

		e.change(setScale("amount", 2))
		assert.Equal(t, e.rawDecimal("12.34", 1234), e.raw("invoice", "amount", id))
		assert.Equal(t, e.rawDecimal("-0.01", -1), e.raw("invoice", "amount", neg))
		assert.Equal(t, "12.34", decimalOf(t, e.get("invoice", id)["amount"]))

		// 12.345 does not fit two places: refused, naming the field.
		p := e.refused(ChangeOptions{}, setScale("fee", 2))
		assert.Equal(t, "objects.invoice.fields.fee", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `1 records have a "fee" with more than 2 decimal places`, p.Message)
		assert.Equal(t, e.rawDecimal("12.345", 12345), e.raw("invoice", "fee", id), "nothing changed")
		assert.Equal(t, 3, e.revisionNumber())
		// Once the value fits, the change goes through.
		e.update("invoice", id, map[string]any{"fee": "12.34"})
		e.change(setScale("fee", 2))
		assert.Equal(t, e.rawDecimal("12.34", 1234), e.raw("invoice", "fee", id))
		assert.Equal(t, e.rawDecimal("1.50", 150), e.raw("invoice", "fee", neg))
	})
}

func TestDecimalPrecisionChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("invoice", currency("amount", 2))))
		id := e.create("invoice", map[string]any{"amount": "-12345.67"})
		precision := func(p, s int) func(m *metadata.Model) {
			return func(m *metadata.Model) {
				f := m.Object("invoice").Field("amount")
				f.Settings.Precision, f.Settings.Scale = p, intp(s)
			}
		}
		// Four digits before the point are too few for -12345.67.
		p := e.refused(ChangeOptions{}, precision(6, 2))
		assert.Equal(t, "objects.invoice.fields.amount", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `1 records have a "amount" with more than 4 digits before the decimal point`, p.Message)
		// So is growing the scale within the same precision.
		e.refused(ChangeOptions{}, precision(7, 3))

		e.change(precision(7, 2))
		assert.Equal(t, e.rawDecimal("-12345.67", -1234567), e.raw("invoice", "amount", id))
		if e.pg() {
			assert.Contains(t, e.columns("invoice"), "amount numeric(7,2)")
		}
		e.change(precision(10, 4))
		assert.Equal(t, e.rawDecimal("-12345.6700", -123456700), e.raw("invoice", "amount", id))
		_, err := e.tryCreate("invoice", map[string]any{"amount": "1234567.1"})
		assert.Error(t, err, "7 digits before the point are refused by the new precision")
	})
}

func TestTextNarrowing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("account",
			with(field("code", "text"), func(f *metadata.Field) { f.Settings.MaxLength = 20 }),
			field("notes", "long_text"))))
		id := e.create("account", map[string]any{"code": strings.Repeat("é", 12), "notes": strings.Repeat("x", 300)})
		maxLength := func(field string, n int) func(m *metadata.Model) {
			return func(m *metadata.Model) { m.Object("account").Field(field).Settings.MaxLength = n }
		}

		p := e.refused(ChangeOptions{}, maxLength("code", 11))
		assert.Equal(t, "objects.account.fields.code", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `1 records have a "code" longer than 11 characters`, p.Message)
		// Length is counted in characters, not bytes, on both stores.
		e.change(maxLength("code", 12))
		assert.Equal(t, strings.Repeat("é", 12), e.get("account", id)["code"])

		// long_text to text: its 255 characters are too few for 300.
		p = e.refused(ChangeOptions{}, func(m *metadata.Model) { m.Object("account").Field("notes").Type = "text" })
		assert.Equal(t, `1 records have a "notes" longer than 255 characters`, p.Message)
		e.update("account", id, map[string]any{"notes": "short now"})
		e.change(func(m *metadata.Model) { m.Object("account").Field("notes").Type = "text" })
		assert.Equal(t, "short now", e.get("account", id)["notes"])
		// Widening needs no check.
		e.change(func(m *metadata.Model) { m.Object("account").Field("notes").Type = "long_text" })
		assert.Equal(t, "short now", e.get("account", id)["notes"])
	})
}

func TestKindChangeOnlyWhileEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("account", field("name", "text"), field("size", "text"))))
		id := e.create("account", map[string]any{"name": "Acme", "size": "12"})
		toNumber := func(m *metadata.Model) { m.Object("account").Field("size").Type = "number" }

		p := e.refused(ChangeOptions{}, toNumber)
		assert.Equal(t, "objects.account.fields.size", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Contains(t, p.Message, `field "size" has values in 1 records; changing it from text to number is only possible while it is empty`)
		assert.Equal(t, "12", e.get("account", id)["size"])

		e.update("account", id, map[string]any{"size": nil})
		res := e.change(toNumber)
		assert.Contains(t, res.Changes, "change field account.size from text to number (only while it is empty)")
		if e.pg() {
			assert.Contains(t, e.columns("account"), "size numeric(18,0)")
		} else {
			assert.Contains(t, e.columns("account"), "size INTEGER")
		}
		assert.Equal(t, []string{"name", "size"}, e.fieldNames("account"), "the column keeps its place on SQLite (rebuilt) and its name")
		e.update("account", id, map[string]any{"size": "42"})
		r := e.get("account", id)
		assert.Equal(t, "Acme", r["name"])
		assert.Equal(t, "42", decimalOf(t, r["size"]))
	})
}

func TestRequiredFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("account", field("name", "text"), field("region", "text")), object("empty", field("name", "text"))))
		ids := []string{
			e.create("account", map[string]any{"name": "A", "region": "EU"}),
			e.create("account", map[string]any{"name": "B"}),
			e.create("account", map[string]any{"name": "C"}),
		}
		addField := func(object string, f *metadata.Field) func(m *metadata.Model) {
			return func(m *metadata.Model) { o := m.Object(object); o.Fields = append(o.Fields, f.Clone()) }
		}

		// A new required field without a default cannot fill existing rows.
		p := e.refused(ChangeOptions{}, addField("account", with(field("tier", "text"), func(f *metadata.Field) { f.Required = true })))
		assert.Equal(t, "objects.account.fields.tier", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `3 records have no value for "tier"; give the field a default value to fill them, or make it optional`, p.Message)
		// On an empty table it can.
		e.change(addField("empty", with(field("tier", "text"), func(f *metadata.Field) { f.Required = true })))

		// With a default, every existing row is filled.
		e.change(addField("account", with(currency("limit_amount", 2), func(f *metadata.Field) { f.Required = true; f.Default = "100.5" })))
		e.change(addField("account", with(field("tier", "text"), func(f *metadata.Field) { f.Required = true; f.Default = `"gold"` })))
		for _, id := range ids {
			r := e.get("account", id)
			assert.Equal(t, "gold", r["tier"])
			assert.Equal(t, "100.5", decimalOf(t, r["limit_amount"]))
		}
		assert.Equal(t, e.rawDecimal("100.50", 10050), e.raw("account", "limit_amount", ids[0]))

		// An existing field made required: refused while rows lack a value,
		// filled from the default otherwise, keeping the values there are.
		p = e.refused(ChangeOptions{}, func(m *metadata.Model) { m.Object("account").Field("region").Required = true })
		assert.Equal(t, `2 records have no value for "region"; give the field a default value to fill them, or make it optional`, p.Message)
		e.change(func(m *metadata.Model) {
			f := m.Object("account").Field("region")
			f.Required, f.Default = true, `"US"`
		})
		assert.Equal(t, "EU", e.get("account", ids[0])["region"])
		assert.Equal(t, "US", e.get("account", ids[1])["region"])
		assert.Equal(t, "US", e.get("account", ids[2])["region"])

		// A unique field cannot give its one default to several rows.
		p = e.refused(ChangeOptions{}, addField("account", with(field("code", "text"), func(f *metadata.Field) {
			f.Required, f.Unique, f.Default = true, true, `"X"`
		})))
		assert.Equal(t, "objects.account.fields.code", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Contains(t, p.Message, `3 records have no value for "code" and would all get its default value`)
		assert.NotContains(t, e.fieldNames("account"), "code")
	})
}

func TestDropWithDataNeedsConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(
			object("account",
				with(field("name", "text"), func(f *metadata.Field) { f.Unique = true }),
				field("notes", "long_text"), field("unused", "text")),
			object("contact", field("name", "text"), lookup("account", "account", "")),
			object("note", field("body", "text")),
		))
		acc := e.create("account", map[string]any{"name": "Acme", "notes": "n"})
		e.create("contact", map[string]any{"name": "Ann", "account": acc})
		e.create("note", map[string]any{"body": "b"})
		dropFields := func(m *metadata.Model) {
			removeField(m, "account", "name") // unique: indexed
			removeField(m, "account", "notes")
			removeField(m, "account", "unused")
			removeField(m, "contact", "account") // lookup: foreign key and index
		}

		_, err := e.try(ChangeOptions{}, dropFields)
		var ps metadata.Problems
		require.ErrorAs(t, err, &ps)
		var paths []string
		for _, p := range ps {
			paths = append(paths, p.Path)
			assert.Equal(t, metadata.ProblemDataLoss, p.Code)
			assert.Contains(t, p.Message, "deleting it deletes them; confirm to go ahead")
		}
		assert.ElementsMatch(t, []string{"objects.account.fields.name", "objects.account.fields.notes", "objects.contact.fields.account"}, paths,
			"an empty field needs no confirmation")
		assert.Equal(t, []string{"name", "notes", "unused"}, e.fieldNames("account"))

		_, err = e.try(ChangeOptions{ConfirmDataLoss: true}, dropFields)
		require.NoError(t, err)
		assert.Empty(t, e.fieldNames("account"))
		assert.Equal(t, []string{"name"}, e.fieldNames("contact"))
		assert.Empty(t, e.indexes("account"))
		assert.Empty(t, e.indexes("contact"))
		assert.Empty(t, e.foreignKeys("contact"))
		assert.Equal(t, int64(1), e.count("account"))
		assert.Equal(t, "Ann", e.get("contact", e.strings(`SELECT CAST(id AS text) FROM ` + e.table("contact"))[0])["name"])

		p := e.refused(ChangeOptions{}, func(m *metadata.Model) { removeObject(m, "note") })
		assert.Equal(t, "objects.note", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `object "note" has 1 records; deleting it deletes them; confirm to go ahead`, p.Message)
		assert.Contains(t, e.tables(), "note")
		_, err = e.try(ChangeOptions{ConfirmDataLoss: true}, func(m *metadata.Model) { removeObject(m, "note") })
		require.NoError(t, err)
		assert.Equal(t, []string{"account", "contact"}, e.tables())
	})
}

// Deleting objects that reference each other, and giving a deleted object's
// name to another one, in one change.
func TestDropObjectsReferencingEachOtherAndReuseTheirNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(
			object("lead", field("name", "text")),
			object("prospect", field("name", "text")),
			object("visit", field("day", "text")),
		))
		e.change(func(m *metadata.Model) {
			m.Object("lead").Fields = append(m.Object("lead").Fields, lookup("visit", "visit", ""))
			m.Object("visit").Fields = append(m.Object("visit").Fields, lookup("lead", "lead", metadata.OnDeleteCascade))
		})
		visit := e.create("visit", map[string]any{"day": "today"})
		lead := e.create("lead", map[string]any{"name": "L", "visit": visit})
		e.update("visit", visit, map[string]any{"lead": lead})
		p := e.create("prospect", map[string]any{"name": "P"})

		_, err := e.try(ChangeOptions{ConfirmDataLoss: true}, func(m *metadata.Model) {
			removeObject(m, "lead")
			removeObject(m, "visit")
			m.Object("prospect").Name = "lead"
			m.Objects = append(m.Objects, object("visit", field("place", "text")))
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"lead", "visit"}, e.tables())
		assert.Equal(t, "P", e.get("lead", p)["name"])
		assert.Equal(t, []string{"place"}, e.fieldNames("visit"))
	})
}

func TestSwapNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(
			object("first", field("a", "text"), field("b", "text"), field("c", "text")),
			object("second", field("x", "text"), lookup("first", "first", "")),
		))
		f := e.create("first", map[string]any{"a": "A", "b": "B", "c": "C"})
		s := e.create("second", map[string]any{"x": "X", "first": f})

		e.change(func(m *metadata.Model) {
			m.Object("first").Name = "tmp"
			m.Object("second").Name = "first"
			m.Object("tmp").Name = "second"
			second := m.Object("second")
			second.Field("a").Name = "z"
			second.Field("b").Name = "a"
			second.Field("c").Name = "b"
			second.Field("z").Name = "c"
			m.Object("first").Field("first").Settings.Target = "second"
		})
		assert.Equal(t, []string{"c", "a", "b"}, e.fieldNames("second"))
		r := e.get("second", f)
		assert.Equal(t, "A", r["c"])
		assert.Equal(t, "B", r["a"])
		assert.Equal(t, "C", r["b"])
		r = e.get("first", s)
		assert.Equal(t, "X", r["x"])
		assert.Equal(t, f, r["first"])
		assert.Equal(t, []string{"first -> " + e.tenant.Schema + ".second ON DELETE RESTRICT"}, e.foreignKeys("first"))
		assert.ErrorIs(t, e.delete("second", f), records.ErrReferenced)
	})
}

func TestUniqueAdded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("account", field("code", "text"), field("name", "text"))))
		a := e.create("account", map[string]any{"code": "A", "name": "x"})
		e.create("account", map[string]any{"code": "A", "name": "y"})
		e.create("account", map[string]any{"name": "no code"})
		e.create("account", map[string]any{"name": "no code either"})
		unique := func(on bool) func(m *metadata.Model) {
			return func(m *metadata.Model) { m.Object("account").Field("code").Unique = on }
		}

		p := e.refused(ChangeOptions{}, unique(true))
		assert.Equal(t, "objects.account.fields.code", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `field "code" cannot become unique: 1 values occur in more than one record`, p.Message)
		assert.Empty(t, e.indexes("account"))

		e.update("account", a, map[string]any{"code": "B"})
		e.change(unique(true))
		assert.Len(t, e.indexes("account"), 1)
		_, err := e.tryCreate("account", map[string]any{"code": "B"})
		var ve *records.ValidationError
		require.ErrorAs(t, err, &ve)
		constraint(t, e.insertRaw("account", map[string]any{"code": "A"}), store.ConstraintUnique)

		e.change(unique(false))
		assert.Empty(t, e.indexes("account"))
		e.create("account", map[string]any{"code": "B"})

		// external_id is always unique.
		p = e.refused(ChangeOptions{}, func(m *metadata.Model) { m.Object("account").Field("code").Type = "external_id" })
		assert.Equal(t, `field "code" cannot become unique: 1 values occur in more than one record`, p.Message)
	})
}

func TestOnDeleteChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(
			object("account", field("name", "text"), lookup("parent", "account", "")),
			object("contact",
				with(field("email", "email"), func(f *metadata.Field) { f.Unique = true }),
				lookup("account", "account", ""),
				currency("budget", 2),
				picklist("stage", "new", "won"),
				&metadata.Field{Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: picklistValues("a", "b")}},
				field("notes", "long_text"),
				field("seen", "date"),
				field("active", "boolean"),
			),
		))
		parent := e.create("account", map[string]any{"name": "Parent"})
		acc := e.create("account", map[string]any{"name": "Acme", "parent": parent})
		other := e.create("account", map[string]any{"name": "Other"})
		input := map[string]any{"email": "a@example.com", "account": acc, "budget": "12.34", "stage": "won",
			"tags": []any{"a", "b"}, "notes": "n", "seen": "2026-02-03", "active": true}
		con := e.create("contact", input)
		e.create("contact", map[string]any{"email": "b@example.com", "account": other})
		before := e.get("contact", con)
		indexes := e.indexes("contact")
		require.Len(t, indexes, 2)

		assert.ErrorIs(t, e.delete("account", acc), records.ErrReferenced)

		e.change(func(m *metadata.Model) {
			m.Object("contact").Field("account").Settings.OnDelete = metadata.OnDeleteCascade
			m.Object("account").Field("parent").Settings.OnDelete = metadata.OnDeleteCascade
		})
		assert.Equal(t, []string{"account -> " + e.tenant.Schema + ".account ON DELETE CASCADE"}, e.foreignKeys("contact"))
		assert.Equal(t, []string{"parent -> " + e.tenant.Schema + ".account ON DELETE CASCADE"}, e.foreignKeys("account"))

		// Every value survives (on SQLite the table was rebuilt), and so do
		// the indexes and the constraints.
		after := e.get("contact", con)
		for k, v := range before {
			if d, ok := v.(decimal.Decimal); ok {
				assert.True(t, d.Equal(after[k].(decimal.Decimal)), k)
				continue
			}
			assert.Equal(t, v, after[k], k)
		}
		assert.Equal(t, indexes, e.indexes("contact"))
		_, err := e.tryCreate("contact", map[string]any{"email": "a@example.com"})
		assert.Error(t, err, "email still unique")
		constraint(t, e.insertRaw("contact", map[string]any{"email": "c@example.com", "account": uuid.NewString()}), store.ConstraintForeignKey)
		constraint(t, e.insertRaw("contact", map[string]any{"email": "a@example.com"}), store.ConstraintUnique)

		// Deleting the parent now cascades: to its child account (a
		// self-reference), and from both to their contacts.
		require.NoError(t, e.delete("account", parent))
		assert.Equal(t, int64(1), e.count("account"))
		assert.Equal(t, int64(1), e.count("contact"))
		_, err = e.recs.Get(e.ctx, e.rev(), mustObj(t, e, "contact"), records.Actor{}, con)
		assert.ErrorIs(t, err, records.ErrNotFound)

		// And set_null empties the lookup instead.
		e.change(func(m *metadata.Model) {
			m.Object("contact").Field("account").Settings.OnDelete = metadata.OnDeleteSetNull
		})
		remaining := e.strings(`SELECT CAST(id AS text) FROM ` + e.table("contact"))[0]
		require.NoError(t, e.delete("account", other))
		assert.Nil(t, e.get("contact", remaining)["account"])
		assert.Equal(t, "b@example.com", e.get("contact", remaining)["email"])
	})
}

func mustObj(t *testing.T, e *env, name string) *compiled.Object {
	t.Helper()
	_, o := e.obj(name)
	return o
}

func TestLookupTargetChangeOnlyWhileEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("account", field("name", "text")), object("partner", field("name", "text")),
			object("contact", lookup("account", "account", ""))))
		acc := e.create("account", map[string]any{"name": "A"})
		con := e.create("contact", map[string]any{"account": acc})
		retarget := func(m *metadata.Model) { m.Object("contact").Field("account").Settings.Target = "partner" }

		p := e.refused(ChangeOptions{}, retarget)
		assert.Equal(t, "objects.contact.fields.account", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)

		e.update("contact", con, map[string]any{"account": nil})
		e.change(retarget)
		assert.Equal(t, []string{"account -> " + e.tenant.Schema + ".partner ON DELETE RESTRICT"}, e.foreignKeys("contact"))
		partner := e.create("partner", map[string]any{"name": "P"})
		e.update("contact", con, map[string]any{"account": partner})
		constraint(t, e.insertRaw("contact", map[string]any{"account": acc}), store.ConstraintForeignKey)
	})
}

func TestPicklistChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("deal",
			field("stage", "text"),
			picklist("status", "open", "won", "lost", "old"),
			&metadata.Field{Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: picklistValues("a", "b", "c")}},
		)))
		id := e.create("deal", map[string]any{"stage": "Qualify", "status": "won", "tags": []any{"a", "b"}})
		e.create("deal", map[string]any{})

		// Text becomes a picklist only when every value is a choice.
		toPicklist := func(values ...string) func(m *metadata.Model) {
			return func(m *metadata.Model) {
				f := m.Object("deal").Field("stage")
				f.Type, f.Settings.Values = "picklist", picklistValues(values...)
			}
		}
		p := e.refused(ChangeOptions{}, toPicklist("Prospect", "Closed"))
		assert.Equal(t, "objects.deal.fields.stage", p.Path)
		assert.Equal(t, metadata.ProblemDataLoss, p.Code)
		assert.Equal(t, `1 records have a "stage" that is not one of the picklist values`, p.Message)
		e.change(toPicklist("Prospect", "Qualify", "Closed"))
		assert.Equal(t, "Qualify", e.get("deal", id)["stage"])

		// A value in use cannot be removed; it can be deactivated.
		setValues := func(field string, values []metadata.PicklistValue) func(m *metadata.Model) {
			return func(m *metadata.Model) { m.Object("deal").Field(field).Settings.Values = values }
		}
		p = e.refused(ChangeOptions{}, setValues("status", picklistValues("open", "lost")))
		assert.Equal(t, "objects.deal.fields.status", p.Path)
		assert.Equal(t, `1 records use the value "won" of "status"; deactivate it (active: false) instead of removing it`, p.Message)
		e.change(setValues("status", picklistValues("open", "won", "lost"))) // "old" is unused
		off := false
		won := picklistValues("open", "won", "lost")
		won[1].Active = &off
		e.change(setValues("status", won))
		assert.Equal(t, "won", e.get("deal", id)["status"])

		p = e.refused(ChangeOptions{}, setValues("tags", picklistValues("a", "c")))
		assert.Equal(t, "objects.deal.fields.tags", p.Path)
		assert.Equal(t, `1 records use the value "b" of "tags"; deactivate it (active: false) instead of removing it`, p.Message)
		e.change(setValues("tags", picklistValues("a", "b")))
		assert.Equal(t, []string{"a", "b"}, e.get("deal", id)["tags"])

		// A picklist becomes text freely, keeping its values.
		e.change(func(m *metadata.Model) {
			f := m.Object("deal").Field("status")
			f.Type, f.Settings.Values = "text", nil
		})
		assert.Equal(t, "won", e.get("deal", id)["status"])
		e.update("deal", id, map[string]any{"status": "anything"})
		e.change(func(m *metadata.Model) {
			f := m.Object("deal").Field("stage")
			f.Type, f.Settings.Values = "long_text", nil
		})
		assert.Equal(t, "Qualify", e.get("deal", id)["stage"])
	})
}

func TestAutoNumberConversionRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.change(add(object("invoice", field("ref", "text"), field("seq", "number"))))
		for _, name := range []string{"ref", "seq"} {
			_, err := e.try(ChangeOptions{}, func(m *metadata.Model) {
				f := m.Object("invoice").Field(name)
				f.Type = "auto_number"
				f.Settings = metadata.Settings{Format: "INV-{0000}"}
			})
			p := problemAt(t, err, "objects.invoice.fields."+name+".type", metadata.ProblemUnsupported)
			assert.Equal(t, fmt.Sprintf("field %q cannot become an auto-number; add a new auto-number field instead", name), p.Message)
		}
		assert.Equal(t, 1, e.revisionNumber())
	})
}

// After a change retypes a column, the record paths work at once, on every
// pooled connection. Open bug on PostgreSQL: pgx caches prepared statements
// per connection, the compiled SQL text does not change with a column's
// type, so the first use of such a statement on each connection fails
// ("cached plan must not change result type", or a parameter type mismatch
// after a kind change) until pgx drops it. The fix belongs in the
// PostgreSQL store (runtime/store): e.g. reset the pool after a schema
// transaction and retry a statement outside a transaction once on SQLSTATE
// 0A000, or run with QueryExecModeDescribeExec.
func TestStatementsAfterRetype(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		if db.Dialect().Name() == storetest.Postgres {
			t.Skip("open bug: stale prepared statements on PostgreSQL after a column changes type (see the doc comment)")
		}
		e := newEnv(t, db)
		e.change(add(object("invoice", currency("amount", 2), field("size", "text"))))
		rev, o := e.obj("invoice")
		rec, err := e.recs.Create(e.ctx, rev, o, records.Actor{}, map[string]any{"amount": "1.5"})
		require.NoError(t, err)
		_, err = e.recs.Get(e.ctx, rev, o, records.Actor{}, rec.ID())
		require.NoError(t, err)

		e.change(func(m *metadata.Model) {
			f := m.Object("invoice")
			f.Field("amount").Settings.Scale = intp(4)
			f.Field("size").Type = "number"
		})
		rev, o = e.obj("invoice")
		got, err := e.recs.Get(e.ctx, rev, o, records.Actor{}, rec.ID())
		require.NoError(t, err)
		assert.Equal(t, "1.5", decimalOf(t, got["amount"]))
		_, err = e.recs.Update(e.ctx, rev, o, records.Actor{}, rec.ID(), map[string]any{"size": "3"}, nil)
		require.NoError(t, err)
		_, err = e.recs.Create(e.ctx, rev, o, records.Actor{}, map[string]any{"amount": "2.0001", "size": "4"})
		require.NoError(t, err)
	})
}
