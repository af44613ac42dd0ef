package expression_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

func invoice() *metadata.Object {
	two := 2
	return &metadata.Object{Name: "invoice", Fields: []*metadata.Field{
		{Name: "amount", Type: "currency", Settings: metadata.Settings{Scale: &two}},
		{Name: "status", Type: "text"},
	}}
}

func ExampleCompile() {
	p, err := expression.Compile(`amount * 0.15`, expression.NewEnv(invoice()))
	if err != nil {
		panic(err)
	}
	vars := expression.NewVars(time.Now(), expression.User{ID: "u1"})
	vars["amount"] = decimal.RequireFromString("19.99")
	out, err := p.Run(vars)
	fmt.Println(out, err, p.OutputType())
	// Output: 2.9985 <nil> decimal.Decimal
}

func ExampleCompile_error() {
	_, err := expression.Compile(`amount > 100 && stauts == "Paid"`, expression.NewEnv(invoice()))
	fmt.Println(err)
	// Output:
	// unknown name stauts (1:17)
	//  | amount > 100 && stauts == "Paid"
	//  | ................^
}

func ExampleProgram_Run() {
	p, err := expression.Compile(`status != "Paid" && $today > date("2026-01-31") ? "overdue" : "ok"`, expression.NewEnv(invoice()))
	if err != nil {
		panic(err)
	}
	vars := expression.NewVars(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC), expression.User{})
	vars["status"] = "Sent"
	fmt.Println(p.Run(vars))
	// Output: overdue <nil>
}

func ExampleChecker_CheckDefault() {
	f := &metadata.Field{Name: "amount", Type: "currency", Default: `"abc"`}
	fmt.Println(expression.Checker{}.CheckDefault(nil, invoice(), f))
	f.Default = `amount * 2`
	fmt.Println(expression.Checker{}.CheckDefault(nil, invoice(), f))
	// Output:
	// default of field "amount" must be a number, but "abc" is a string
	// default of field "amount": unknown name amount (1:1)
	//  | amount * 2
	//  | ^
}
