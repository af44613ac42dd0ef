package dialect_test

import (
	"fmt"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// ExampleColumnOf shows the storage of a currency field on each dialect:
// PostgreSQL uses numeric with the field's precision and scale, SQLite an
// integer count of cents.
func ExampleColumnOf() {
	scale := 2
	f := &metadata.Field{Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 12, Scale: &scale}}
	c := dialect.ColumnOf(f)
	fmt.Println(c.Kind, c.Precision, c.Scale)
	for _, d := range []dialect.Dialect{dialect.Postgres{}, dialect.SQLite{}} {
		v, _ := f.TypeOf().Normalize(f, "1234.5")
		arg, err := d.Arg(c, v)
		fmt.Println(d.Name(), d.ColumnType(c), arg, err)
	}
	// Output:
	// decimal 12 2
	// postgres numeric(12,2) 1234.5 <nil>
	// sqlite INTEGER 123450 <nil>
}
