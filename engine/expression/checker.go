package expression

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Checker checks the expressions of metadata when it is saved. It implements
// metadata.ExpressionChecker.
type Checker struct{}

var _ metadata.ExpressionChecker = Checker{}

// CheckDefault compiles the default of f in DefaultsEnv and checks that its
// value fits the field's kind: a number for decimal and integer fields, a
// string for text and id fields, a boolean, a date (time.Time) for date and
// datetime fields, a list for multi-value fields. A value whose type is only
// known at run time is accepted here and checked when it is used.
func (Checker) CheckDefault(_ *metadata.Model, _ *metadata.Object, f *metadata.Field) error {
	p, err := Compile(f.Default, DefaultsEnv())
	if err != nil {
		return fmt.Errorf("default of field %q: %w", f.Name, err)
	}
	t, ok := metadata.LookupFieldType(f.Type)
	if !ok {
		return fmt.Errorf("default of field %q: unknown field type %q", f.Name, f.Type)
	}
	kind := t.Kind(f)
	out := p.OutputType()
	if out == nil || out.Kind() == reflect.Interface || fits(kind, out) {
		return nil
	}
	return fmt.Errorf("default of field %q must be %s, but %s is %s",
		f.Name, expected(kind), shorten(f.Default), describe(out))
}

// fits reports whether a value of type t can fill a field of kind k.
func fits(k metadata.Kind, t reflect.Type) bool {
	switch k {
	case metadata.KindDecimal, metadata.KindInteger:
		return t == decimalType || numeric(t)
	case metadata.KindText, metadata.KindID:
		return t.Kind() == reflect.String
	case metadata.KindBool:
		return t.Kind() == reflect.Bool
	case metadata.KindDate, metadata.KindDateTime:
		return t == timeType
	case metadata.KindStrings:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return false
		}
		e := t.Elem().Kind()
		return e == reflect.String || e == reflect.Interface
	}
	return false
}

// expected names what a field of kind k holds, for messages.
func expected(k metadata.Kind) string {
	switch k {
	case metadata.KindDecimal, metadata.KindInteger:
		return "a number"
	case metadata.KindText, metadata.KindID:
		return "a string"
	case metadata.KindBool:
		return "a boolean"
	case metadata.KindDate:
		return "a date"
	case metadata.KindDateTime:
		return "a date and time"
	case metadata.KindStrings:
		return "a list of strings"
	}
	return "a value of kind " + k.String()
}

// describe names the type of an expression's value, for messages.
func describe(t reflect.Type) string {
	switch {
	case t == decimalType || numeric(t):
		return "a number"
	case t == timeType:
		return "a date"
	case t == durationType:
		return "a duration"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map:
		return "a map"
	}
	return "a value of type " + t.String()
}

// shorten puts a source on one line and cuts it when long, for a message.
func shorten(s string) string {
	const limit = 60
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit]) + "…"
}
