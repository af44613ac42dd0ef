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

func opportunity() *metadata.Object {
	return &metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
		{Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: []metadata.PicklistValue{{Value: "Negotiation"}}}},
		{Name: "amount", Type: "currency"},
	}}
}

// A validation rule is a condition that is true when the record is invalid.
// On an update it sees the stored record through PRIORVALUE and ISCHANGED.
func ExampleProgram_RunCondition() {
	rule, err := expression.CompileCondition(`stage == "Negotiation" && amount < PRIORVALUE(amount)`, expression.NewEnv(opportunity()))
	if err != nil {
		panic(err)
	}
	stored := map[string]any{"stage": "Negotiation", "amount": decimal.RequireFromString("1000")}
	write := map[string]any{"stage": "Negotiation", "amount": decimal.RequireFromString("900")}

	update := expression.NewVars(time.Now(), expression.User{ID: "u1"}).WithFields(write).ForUpdate(stored)
	fmt.Println(rule.RunCondition(update))

	create := expression.NewVars(time.Now(), expression.User{ID: "u1"}).WithFields(write).ForCreate()
	fmt.Println(rule.RunCondition(create))
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleCompile_functions() {
	p, err := expression.Compile(`IF(ISBLANK(status), "New", UPPER(status)) + " / " + TEXT(ROUND(amount * 0.15, 2)) + " / " + TEXT(ADDMONTHS(TODAY(), 1))`, expression.NewEnv(invoice()))
	if err != nil {
		panic(err)
	}
	vars := expression.NewVars(time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC), expression.User{})
	vars["amount"] = decimal.RequireFromString("19.99")
	fmt.Println(p.Run(vars))
	// Output: New / 3 / 2024-02-29 <nil>
}

func ExampleCompile_functionError() {
	_, err := expression.Compile(`ISCHANGED(amount + 1)`, expression.NewEnv(invoice()))
	fmt.Println(err)
	// Output:
	// ISCHANGED(field): field must be the name of a field of the record, not an expression (1:11)
	//  | ISCHANGED(amount + 1)
	//  | ..........^
}
