package filter

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
)

var pgPlaceholder = regexp.MustCompile(`\$(\d+)`)

// translation is the expected SQL of a filter on both dialects. lite
// defaults to pg with ?N placeholders; liteArgs to pgArgs.
type translation struct {
	src      string
	pg       string
	pgArgs   []any
	lite     string
	liteArgs []any
}

func TestTranslate(t *testing.T) {
	tests := []translation{
		// Comparisons, either side, and NULL semantics.
		{src: `name == "Acme"`, pg: `"name" = $1`, pgArgs: []any{"Acme"}},
		{src: `"Acme" == name`, pg: `"name" = $1`, pgArgs: []any{"Acme"}},
		{src: `name != "Acme"`, pg: `("name" <> $1 OR "name" IS NULL)`, pgArgs: []any{"Acme"}},
		{src: `!(name == "Acme")`, pg: `("name" <> $1 OR "name" IS NULL)`, pgArgs: []any{"Acme"}},
		{src: `not (name != "Acme")`, pg: `"name" = $1`, pgArgs: []any{"Acme"}},
		{src: `name == 'Acme'`, pg: `"name" = $1`, pgArgs: []any{"Acme"}},
		{src: `name < "M"`, pg: `"name" < $1`, pgArgs: []any{"M"}},
		{src: `"M" < name`, pg: `"name" > $1`, pgArgs: []any{"M"}},
		{src: `!(name < "M")`, pg: `("name" >= $1 OR "name" IS NULL)`, pgArgs: []any{"M"}},
		{src: `name == nil`, pg: `"name" IS NULL`},
		{src: `nil != name`, pg: `"name" IS NOT NULL`},
		{src: `!(name == nil)`, pg: `"name" IS NOT NULL`},
		// Picklists: inactive values can still be found.
		{src: `stage == "Lost"`, pg: `"stage" = $1`, pgArgs: []any{"Lost"}},
		// Decimals: exact, at the column's scale; off-scale literals move.
		{src: `amount > 19.99`, pg: `"amount" > $1`, pgArgs: []any{"19.99"}, liteArgs: []any{int64(1999)}},
		{src: `amount > 19.999`, pg: `"amount" > $1`, pgArgs: []any{"19.99"}, liteArgs: []any{int64(1999)}},
		{src: `amount >= 19.999`, pg: `"amount" >= $1`, pgArgs: []any{"20"}, liteArgs: []any{int64(2000)}},
		{src: `amount < 19.999`, pg: `"amount" < $1`, pgArgs: []any{"20"}, liteArgs: []any{int64(2000)}},
		{src: `amount <= 19.999`, pg: `"amount" <= $1`, pgArgs: []any{"19.99"}, liteArgs: []any{int64(1999)}},
		{src: `amount == 19.999`, pg: `1 = 0`},
		{src: `amount != 19.999`, pg: `1 = 1`},
		{src: `amount > -1.5`, pg: `"amount" > $1`, pgArgs: []any{"-1.5"}, liteArgs: []any{int64(-150)}},
		{src: `amount > - -2`, pg: `"amount" > $1`, pgArgs: []any{"2"}, liteArgs: []any{int64(200)}},
		{src: `!(amount < 5)`, pg: `("amount" >= $1 OR "amount" IS NULL)`, pgArgs: []any{"5"}, liteArgs: []any{int64(500)}},
		{src: `quantity > 2.5`, pg: `"quantity" > $1`, pgArgs: []any{"2"}, liteArgs: []any{int64(2)}},
		{src: `rate == 0.155`, pg: `"rate" = $1`, pgArgs: []any{"0.155"}, liteArgs: []any{int64(1550)}},
		{src: `1 < quantity < 5`, pg: `("quantity" > $1 AND "quantity" < $2)`, pgArgs: []any{"1", "5"}, liteArgs: []any{int64(1), int64(5)}},
		// Booleans.
		{src: `closed`, pg: `"closed" = $1`, pgArgs: []any{true}, liteArgs: []any{int64(1)}},
		{src: `!closed`, pg: `("closed" = $1 OR "closed" IS NULL)`, pgArgs: []any{false}, liteArgs: []any{int64(0)}},
		{src: `closed == false`, pg: `"closed" = $1`, pgArgs: []any{false}, liteArgs: []any{int64(0)}},
		{src: `closed != true`, pg: `("closed" <> $1 OR "closed" IS NULL)`, pgArgs: []any{true}, liteArgs: []any{int64(1)}},
		{src: `true`, pg: `1 = 1`},
		{src: `!true`, pg: `1 = 0`},
		// Dates and instants, $today and $now.
		{src: `close_date < $today`, pg: `"close_date" < $1`, pgArgs: []any{"2026-03-04"}},
		{src: `close_date <= $now`, pg: `"close_date" <= $1`, pgArgs: []any{"2026-03-04"}},
		{src: `close_date < $now`, pg: `"close_date" < $1`, pgArgs: []any{"2026-03-05"}},
		{src: `close_date == $now`, pg: `1 = 0`},
		{src: `close_date >= "2026-01-01"`, pg: `"close_date" >= $1`, pgArgs: []any{"2026-01-01"}},
		{src: `reminder < $now`, pg: `"reminder" < $1`, pgArgs: []any{testNow}, liteArgs: []any{"2026-03-04T05:06:07.000000Z"}},
		{src: `reminder > "2026-01-01T10:00:00+02:00"`, pg: `"reminder" > $1`,
			pgArgs: []any{time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}, liteArgs: []any{"2026-01-01T08:00:00.000000Z"}},
		{src: `reminder >= "2026-01-01"`, pg: `"reminder" >= $1`,
			pgArgs: []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, liteArgs: []any{"2026-01-01T00:00:00.000000Z"}},
		{src: `reminder == $today`, pg: `"reminder" = $1`,
			pgArgs: []any{time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)}, liteArgs: []any{"2026-03-04T00:00:00.000000Z"}},
		{src: `close_date in [$today, "2026-01-01", $now]`, pg: `"close_date" IN ($1, $2)`, pgArgs: []any{"2026-03-04", "2026-01-01"}},
		{src: `created_at >= "2026-01-01"`, pg: `t."created_at" >= $1`,
			pgArgs: []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, liteArgs: []any{"2026-01-01T00:00:00.000000Z"}},
		// Ids, $user and system columns.
		{src: `account == "` + accountID + `"`, pg: `"account" = $1`, pgArgs: []any{accountID}},
		{src: `account == "` + strings.ToUpper(accountID) + `"`, pg: `"account" = $1`, pgArgs: []any{accountID}},
		{src: `owner_id == $user.id`, pg: `t."owner_id" = $1`, pgArgs: []any{userID}},
		{src: `owner_id == $user.manager`, pg: `1 = 0`},
		{src: `owner_id != $user.manager`, pg: `1 = 1`},
		{src: `name == $user.role`, pg: `"name" = $1`, pgArgs: []any{"sales"}},
		{src: `id == "` + userID + `"`, pg: `t."id" = $1`, pgArgs: []any{userID}},
		{src: `version >= 3`, pg: `t."version" >= $1`, pgArgs: []any{int64(3)}},
		{src: `number == "D-0001"`, pg: `"number" = $1`, pgArgs: []any{"D-0001"}},
		// in and not in.
		{src: `stage in ["Open", "Won"]`, pg: `"stage" IN ($1, $2)`, pgArgs: []any{"Open", "Won"}},
		{src: `stage not in ["Open", "Won"]`, pg: `("stage" NOT IN ($1, $2) OR "stage" IS NULL)`, pgArgs: []any{"Open", "Won"}},
		{src: `!(stage in ["Open"])`, pg: `("stage" NOT IN ($1) OR "stage" IS NULL)`, pgArgs: []any{"Open"}},
		{src: `stage in ["Open", nil]`, pg: `("stage" IN ($1) OR "stage" IS NULL)`, pgArgs: []any{"Open"}},
		{src: `stage not in ["Open", nil]`, pg: `("stage" NOT IN ($1) AND "stage" IS NOT NULL)`, pgArgs: []any{"Open"}},
		{src: `stage in [nil]`, pg: `"stage" IS NULL`},
		{src: `stage not in [nil]`, pg: `"stage" IS NOT NULL`},
		{src: `stage in []`, pg: `1 = 0`},
		{src: `stage not in []`, pg: `1 = 1`},
		{src: `amount in [1, 1.001, 2.5]`, pg: `"amount" IN ($1, $2)`, pgArgs: []any{"1", "2.5"}, liteArgs: []any{int64(100), int64(250)}},
		{src: `amount in [1.001]`, pg: `1 = 0`},
		{src: `owner_id in [$user.id, $user.manager]`, pg: `t."owner_id" IN ($1)`, pgArgs: []any{userID}},
		// Text predicates.
		{src: `name startsWith "Ac"`, pg: `starts_with("name", $1)`, pgArgs: []any{"Ac"},
			lite: `substr("name", 1, length(?1)) = ?1`},
		{src: `name endsWith "me"`, pg: `right("name", length($1)) = $1`, pgArgs: []any{"me"},
			lite: `(length(?1) = 0 OR substr("name", -length(?1)) = ?1)`},
		{src: `name contains "cm"`, pg: `strpos("name", $1) > 0`, pgArgs: []any{"cm"},
			lite: `instr("name", ?1) > 0`},
		{src: `not (name contains "x")`, pg: `(NOT (strpos("name", $1) > 0) OR "name" IS NULL)`, pgArgs: []any{"x"},
			lite: `(NOT (instr("name", ?1) > 0) OR "name" IS NULL)`},
		{src: `name not startsWith "x"`, pg: `(NOT (starts_with("name", $1)) OR "name" IS NULL)`, pgArgs: []any{"x"},
			lite: `(NOT (substr("name", 1, length(?1)) = ?1) OR "name" IS NULL)`},
		{src: `email endsWith "@example.com"`, pg: `right("email", length($1)) = $1`, pgArgs: []any{"@example.com"},
			lite: `(length(?1) = 0 OR substr("email", -length(?1)) = ?1)`},
		// Multi-value fields.
		{src: `INCLUDES(tags, "gold")`, pg: `$1 = ANY("tags")`, pgArgs: []any{"gold"},
			lite: `EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)`},
		{src: `includes(tags, "old")`, pg: `$1 = ANY("tags")`, pgArgs: []any{"old"},
			lite: `EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)`},
		{src: `"gold" in tags`, pg: `$1 = ANY("tags")`, pgArgs: []any{"gold"},
			lite: `EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)`},
		{src: `!INCLUDES(tags, "gold")`, pg: `(NOT ($1 = ANY("tags")) OR "tags" IS NULL)`, pgArgs: []any{"gold"},
			lite: `(NOT (EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)) OR "tags" IS NULL)`},
		{src: `tags == nil`, pg: `"tags" IS NULL`},
		// Two columns.
		{src: `amount > cost`, pg: `"amount" > "cost"`},
		{src: `!(amount <= cost)`, pg: `("amount" > "cost" OR "amount" IS NULL OR "cost" IS NULL)`},
		{src: `amount == cost`, pg: `("amount" = "cost" OR ("amount" IS NULL AND "cost" IS NULL))`},
		{src: `amount != cost`, pg: `("amount" <> "cost" OR ("amount" IS NULL AND "cost" IS NOT NULL) OR ("amount" IS NOT NULL AND "cost" IS NULL))`},
		{src: `created_at < reminder`, pg: `t."created_at" < "reminder"`},
		// Logic: flattened, negation pushed down.
		{src: `amount >= 10 && quantity < 3 && closed`, pg: `("amount" >= $1 AND "quantity" < $2 AND "closed" = $3)`,
			pgArgs: []any{"10", "3", true}, liteArgs: []any{int64(1000), int64(3), int64(1)}},
		{src: `name == "a" or name == "b" or (closed and stage == "Won")`,
			pg:     `("name" = $1 OR "name" = $2 OR ("closed" = $3 AND "stage" = $4))`,
			pgArgs: []any{"a", "b", true, "Won"}, liteArgs: []any{"a", "b", int64(1), "Won"}},
		{src: `!(closed || stage == "Won")`, pg: `(("closed" = $1 OR "closed" IS NULL) AND ("stage" <> $2 OR "stage" IS NULL))`,
			pgArgs: []any{false, "Won"}, liteArgs: []any{int64(0), "Won"}},
		{src: `!!closed`, pg: `"closed" = $1`, pgArgs: []any{true}, liteArgs: []any{int64(1)}},
		{src: `((((closed))))`, pg: `"closed" = $1`, pgArgs: []any{true}, liteArgs: []any{int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			lite, liteArgs := tt.lite, tt.liteArgs
			if lite == "" {
				lite = pgPlaceholder.ReplaceAllString(tt.pg, "?$1")
			}
			if liteArgs == nil {
				liteArgs = tt.pgArgs
			}
			w, err := Translate(tt.src, dealColumns(), options(dialect.Postgres{}))
			require.NoError(t, err)
			assert.Equal(t, tt.pg, w.SQL, "postgres")
			assert.Equal(t, tt.pgArgs, w.Args, "postgres")
			w, err = Translate(tt.src, dealColumns(), options(dialect.SQLite{}))
			require.NoError(t, err)
			assert.Equal(t, lite, w.SQL, "sqlite")
			assert.Equal(t, liteArgs, w.Args, "sqlite")
		})
	}
}

func TestArgOffset(t *testing.T) {
	opt := options(dialect.Postgres{})
	opt.ArgOffset = 3
	w, err := Translate(`name == "a" && amount > 1`, dealColumns(), opt)
	require.NoError(t, err)
	assert.Equal(t, `("name" = $4 AND "amount" > $5)`, w.SQL)
	assert.Equal(t, []any{"a", "1"}, w.Args)
	opt.Dialect = dialect.SQLite{}
	w, err = Translate(`name == "a"`, dealColumns(), opt)
	require.NoError(t, err)
	assert.Equal(t, `"name" = ?4`, w.SQL)
}

func TestNowDefaultsToClock(t *testing.T) {
	before := time.Now().UTC()
	w, err := Translate(`reminder < $now`, dealColumns(), Options{Dialect: dialect.Postgres{}})
	require.NoError(t, err)
	got := w.Args[0].(time.Time)
	assert.False(t, got.Before(before.Truncate(time.Microsecond)))
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
		is   error
	}{
		{`amout > 1`, "unknown field \"amout\" (1:1)\n | amout > 1\n | ^", ErrUnknownField},
		{`amount > "abc"`, "cannot compare currency field \"amount\" with a string (1:10)\n | amount > \"abc\"\n | .........^", ErrType},
		{`close_date > 5`, "cannot compare date field \"close_date\" with a number (1:14)\n | close_date > 5\n | .............^", ErrType},
		{`version > "1"`, "cannot compare integer column \"version\" with a string (1:11)\n | version > \"1\"\n | ..........^", ErrType},
		{`id == 5`, "cannot compare id column \"id\" with a number (1:7)\n | id == 5\n | ......^", ErrType},
		{`closed == "true"`, "cannot compare boolean field \"closed\" with a string (1:11)\n | closed == \"true\"\n | ..........^", ErrType},
		{`stage == "Closed"`, "invalid value for field \"stage\": \"Closed\" is not one of the allowed values: \"Open\", \"Won\" (1:10)\n | stage == \"Closed\"\n | .........^", ErrValue},
		{`close_date > "2026-13-01"`, "invalid value for field \"close_date\": \"2026-13-01\" is not a day of the calendar (1:14)\n | close_date > \"2026-13-01\"\n | .............^", ErrValue},
		{`created_at > "yesterday"`, "\"yesterday\" is not a date (YYYY-MM-DD) or a date and time (RFC 3339) (1:14)\n | created_at > \"yesterday\"\n | .............^", ErrValue},
		{`account == "abc"`, "invalid value for field \"account\": \"abc\" is not a record id (a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7) (1:12)\n | account == \"abc\"\n | ...........^", ErrValue},
		{`owner_id == "abc"`, "\"abc\" is not a valid id (1:13)\n | owner_id == \"abc\"\n | ............^", ErrValue},
		{`amount > 1e30`, "invalid value for field \"amount\": is too large: it has 31 digits before the decimal point; at most 16 are allowed (1:10)\n | amount > 1e30\n | .........^", ErrValue},
		{`INCLUDES(tags, "platinum")`, "invalid value for field \"tags\": \"platinum\" is not one of the allowed values: \"gold\", \"new\" (1:16)\n | INCLUDES(tags, \"platinum\")\n | ...............^", ErrValue},
		{`name matches "x"`, "operator \"matches\" is not supported in filters (1:6)\n | name matches \"x\"\n | .....^", ErrUnsupported},
		{`amount * 2 > 1`, "operator \"*\" is not supported in filters (1:8)\n | amount * 2 > 1\n | .......^", ErrUnsupported},
		{`-amount > 1`, "operator \"-\" is not supported in filters (1:1)\n | -amount > 1\n | ^", ErrUnsupported},
		{`len(name) > 1`, "function len is not supported in filters (1:1)\n | len(name) > 1\n | ^", ErrUnsupported},
		{`foo(1)`, "function foo is not supported in filters (1:1)\n | foo(1)\n | ^", ErrUnsupported},
		{`account.name == "x"`, "only fields of the object and $user.id, $user.role and $user.manager can be used in filters (1:9)\n | account.name == \"x\"\n | ........^", ErrUnsupported},
		{`let x = 1; x == 1`, "variables are not supported in filters (1:5)\n | let x = 1; x == 1\n | ....^", ErrUnsupported},
		{`amount > quantity`, "cannot compare currency field \"amount\" with number field \"quantity\": their scales differ (2 and 0) (1:8)\n | amount > quantity\n | .......^", ErrType},
		{`name == account`, "cannot compare text field \"name\" with lookup field \"account\" (1:6)\n | name == account\n | .....^", ErrType},
		{`tags == "gold"`, "use INCLUDES(tags, \"value\") to filter multi_picklist field \"tags\" (1:6)\n | tags == \"gold\"\n | .....^", ErrType},
		{`tags contains "gold"`, "use INCLUDES(tags, \"value\") to find a value in multi_picklist field \"tags\" (1:6)\n | tags contains \"gold\"\n | .....^", ErrType},
		{`INCLUDES(name, "x")`, "INCLUDES needs a multi-value field (1:10)\n | INCLUDES(name, \"x\")\n | .........^", ErrType},
		{`INCLUDES(tags, 1)`, "INCLUDES needs a string value (1:16)\n | INCLUDES(tags, 1)\n | ...............^", ErrType},
		{`INCLUDES(tags)`, "INCLUDES takes a list field and a value, not 1 arguments (1:1)\n | INCLUDES(tags)\n | ^", ErrSyntax},
		{`name`, "text field \"name\" is not a condition: compare it with a value (1:1)\n | name\n | ^", ErrType},
		{`$today`, "$today is not a condition (1:1)\n | $today\n | ^", ErrType},
		{`$user == "x"`, "use $user.id, $user.role or $user.manager (1:1)\n | $user == \"x\"\n | ^", ErrType},
		{`$user.foo == "x"`, "unknown member \"foo\" of $user (use id, role or manager) (1:7)\n | $user.foo == \"x\"\n | ......^", ErrUnknownField},
		{`1 == 1`, "a comparison must name a field (1:3)\n | 1 == 1\n | ..^", ErrType},
		{`amount < nil`, "cannot compare currency field \"amount\" with nil using < (1:8)\n | amount < nil\n | .......^", ErrType},
		{`name in "abc"`, "in needs a list of values, such as [\"a\", \"b\"] (1:9)\n | name in \"abc\"\n | ........^", ErrType},
		{`"a" in name`, "the left side of in must be a field (1:1)\n | \"a\" in name\n | ^", ErrType},
		{`name in [name]`, "a list in a filter holds values only (1:10)\n | name in [name]\n | .........^", ErrUnsupported},
		{`name startsWith 1`, "the right side of startsWith must be a string (1:17)\n | name startsWith 1\n | ................^", ErrType},
		{`amount startsWith "1"`, "startsWith needs a text field, but currency field \"amount\" is not one (1:8)\n | amount startsWith \"1\"\n | .......^", ErrType},
		{`(name == "a") == true`, "a condition cannot be compared with a value (1:7)\n | (name == \"a\") == true\n | ......^", ErrType},
		{`[1] == name`, "a list can only follow in (1:1)\n | [1] == name\n | ^", ErrUnsupported},
		{`name ==`, "unexpected token EOF (1:7)\n | name ==\n | ......^", ErrSyntax},
		{`(name == "a"`, "unexpected token EOF (1:12)\n | (name == \"a\"\n | ...........^", ErrSyntax},
		{``, "filter is empty", ErrSyntax},
		{" \n\t", "filter is empty", ErrSyntax},
		{strings.Repeat(" ", MaxSourceLen) + "x", "filter is longer than 4096 bytes", ErrTooComplex},
		{strings.Repeat("!", 40) + "closed", "filter is nested more than 32 levels deep (1:34)\n | " + strings.Repeat("!", 40) + "closed\n | " + strings.Repeat(".", 33) + "^", ErrTooComplex},
		{`name in [` + strings.Repeat(`"a",`, 1001) + `]`, "", ErrTooComplex},
		{strings.Repeat("closed && ", 200) + "closed", "", ErrTooComplex},
	}
	for _, tt := range tests {
		name := tt.src
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			_, err := Translate(tt.src, dealColumns(), options(dialect.Postgres{}))
			require.Error(t, err)
			if tt.want != "" {
				assert.Equal(t, tt.want, err.Error())
			}
			assert.ErrorIs(t, err, tt.is)
			var e *expression.Error
			assert.ErrorAs(t, err, &e)
		})
	}
}

func TestListLimits(t *testing.T) {
	src := `name in [` + strings.TrimSuffix(strings.Repeat(`"a",`, MaxListItems), ",") + `]`
	w, err := Translate(src, dealColumns(), options(dialect.SQLite{}))
	require.NoError(t, err)
	assert.Len(t, w.Args, MaxListItems)
}

func TestNoDialect(t *testing.T) {
	_, err := Translate(`closed`, dealColumns(), Options{})
	assert.EqualError(t, err, "filter: no dialect")
}
