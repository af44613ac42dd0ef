package metadata

import (
	"fmt"
	"slices"
	"sort"
)

// A record type narrows, for the records of one kind, the values of some
// picklists and sets their defaults. A record's type is chosen when it is
// created (or defaulted) and never changes. An object without record types
// has untyped records.

// RecordType returns the record type with the given name, or nil.
func (o *Object) RecordType(name string) *RecordType {
	for _, rt := range o.RecordTypes {
		if rt.Name == name {
			return rt
		}
	}
	return nil
}

// DefaultRecordType returns the type given to records created without one:
// the active type marked default, else the first active type; nil when the
// object has no active record type.
func (o *Object) DefaultRecordType() *RecordType {
	var first *RecordType
	for _, rt := range o.RecordTypes {
		if !rt.IsActive() {
			continue
		}
		if rt.Default {
			return rt
		}
		if first == nil {
			first = rt
		}
	}
	return first
}

// Allows reports whether the type allows value for the picklist field
// named field. A picklist the type does not list is not narrowed.
func (rt *RecordType) Allows(field, value string) bool {
	p, ok := rt.Picklists[field]
	return !ok || slices.Contains(p.Values, value)
}

// validateRecordTypes checks the object's record types: names valid and
// unique, at most one default and it active, and each picklist entry naming
// a picklist field of the object with a subset of its values and a default
// among them.
func validateRecordTypes(o *Object, opath string) []Problem {
	var ps []Problem
	seen := map[string]bool{}
	var firstDefault string
	for i, rt := range o.RecordTypes {
		seg := rt.Name
		if seg == "" {
			seg = fmt.Sprint(i)
		}
		rpath := opath + ".record_types." + seg
		ps = append(ps, checkName(rpath+".name", "record type", rt.Name, MaxFieldNameLength)...)
		if seen[rt.Name] && rt.Name != "" {
			ps = append(ps, problemf(rpath+".name", ProblemDuplicate, "record type %q is defined twice on object %q", rt.Name, o.Name))
		}
		seen[rt.Name] = true
		if rt.Default {
			switch {
			case firstDefault != "":
				ps = append(ps, problemf(rpath+".default", ProblemInvalidSetting, "only one record type can be the default; %q is already", firstDefault))
			case !rt.IsActive():
				ps = append(ps, problemf(rpath+".default", ProblemInvalidSetting, "record type %q is inactive and cannot be the default", rt.Name))
			}
			if firstDefault == "" {
				firstDefault = rt.Name
			}
		}
		ps = append(ps, checkTypePicklists(o, rt, rpath+".picklists")...)
	}
	return ps
}

func checkTypePicklists(o *Object, rt *RecordType, path string) []Problem {
	var ps []Problem
	names := make([]string, 0, len(rt.Picklists))
	for name := range rt.Picklists {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := rt.Picklists[name]
		ppath := path + "." + name
		f := o.Field(name)
		switch {
		case f == nil:
			ps = append(ps, problemf(ppath, ProblemUnknownField, "record type %q narrows %q, which is not a field of object %q", rt.Name, name, o.Name))
			continue
		case !f.IsPicklist():
			ps = append(ps, problemf(ppath, ProblemInvalidSetting, "record type %q narrows %q, which is %s %s field; only picklist and multi_picklist fields can be narrowed", rt.Name, name, article(f.Type), f.Type))
			continue
		}
		own := valueSet(f)
		seen := map[string]bool{}
		for i, v := range p.Values {
			vpath := fmt.Sprintf("%s.values.%d", ppath, i)
			switch {
			case !own[v]:
				ps = append(ps, problemf(vpath, ProblemInvalidSetting, "%q is not a value of field %q", truncateForMessage(v), name))
			case seen[v]:
				ps = append(ps, problemf(vpath, ProblemDuplicate, "%q is listed twice", truncateForMessage(v)))
			}
			seen[v] = true
		}
		if len(p.Values) == 0 && f.Required {
			ps = append(ps, problemf(ppath+".values", ProblemInvalidSetting, "field %q is required, so record type %q must allow at least one of its values", name, rt.Name))
		}
		if p.Default == "" {
			continue
		}
		switch {
		case !slices.Contains(p.Values, p.Default):
			ps = append(ps, problemf(ppath+".default", ProblemInvalidSetting, "the default %q is not one of the values record type %q allows for %q", truncateForMessage(p.Default), rt.Name, name))
		case own[p.Default] && !activeValue(f, p.Default):
			ps = append(ps, problemf(ppath+".default", ProblemInvalidSetting, "value %q of %q is inactive and cannot be the default", truncateForMessage(p.Default), name))
		}
	}
	return ps
}

// activeValue reports whether v is an active value of the picklist f.
func activeValue(f *Field, v string) bool {
	for _, pv := range f.Settings.Values {
		if pv.Value == v {
			return pv.IsActive()
		}
	}
	return false
}
