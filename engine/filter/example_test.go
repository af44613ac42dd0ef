package filter_test

import (
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
)

func columns() filter.ColumnMap {
	two := 2
	cols := filter.ColumnMap{}
	for _, f := range []*metadata.Field{
		{Name: "status", Type: "text"},
		{Name: "amount", Type: "currency", Settings: metadata.Settings{Scale: &two}},
		{Name: "due_date", Type: "date"},
	} {
		cols[f.Name] = filter.Column{Name: f.Name, SQL: dialect.Quote(f.Name), Field: f, Type: dialect.ColumnOf(f)}
	}
	cols["owner_id"] = filter.Column{Name: "owner_id", SQL: dialect.Quote("owner_id"), Type: dialect.Column{Kind: metadata.KindID}}
	return cols
}

func ExampleTranslate() {
	opt := filter.Options{
		Dialect: dialect.Postgres{},
		Now:     time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC),
		User:    expression.User{ID: "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
	}
	w, err := filter.Translate(`status != "Paid" && amount >= 100 && due_date < $today && owner_id == $user.id`, columns(), opt)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.SQL)
	fmt.Println(w.Args...)
	// Output:
	// (("status" <> $1 OR "status" IS NULL) AND "amount" >= $2 AND "due_date" < $3 AND "owner_id" = $4)
	// Paid 100 2026-02-10 7c9e6679-7425-40de-944b-e07fc1f90ae7
}

func ExampleTranslate_sqlite() {
	w, err := filter.Translate(`amount > 19.999 || status in ["Draft", nil]`, columns(), filter.Options{Dialect: dialect.SQLite{}, ArgOffset: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(w.SQL)
	fmt.Println(w.Args...)
	// Output:
	// ("amount" > ?3 OR ("status" IN (?4) OR "status" IS NULL))
	// 1999 Draft
}

func ExampleTranslate_error() {
	_, err := filter.Translate(`amout > 100`, columns(), filter.Options{Dialect: dialect.Postgres{}})
	fmt.Println(err)
	// Output:
	// unknown field "amout" (1:1)
	//  | amout > 100
	//  | ^
}
