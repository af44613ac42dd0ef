// Package actions runs record actions (metadata.RecordAction, compiled in
// engine/compiled): one call that, in one transaction, creates records of
// other objects from declared field mappings and updates the source
// record — a lead converted into an account, a contact and an
// opportunity. Every record is written as the actor, so object and field
// permissions, record-level access, validation rules and formulas apply to
// each; any failure leaves nothing written.
package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Kind is the kind of a refused action, which the API maps to a status.
type Kind int

// Kinds of errors.
const (
	// NotFound: the object has no such action (404).
	NotFound Kind = iota + 1
	// Forbidden: the actor's role may not do what the action does (403).
	Forbidden
	// Invalid: the action does not apply to the record, the parameters
	// are wrong, or an expression failed (422).
	Invalid
)

// Codes of action errors.
const (
	CodeNotFound          = "action_not_found"
	CodeNotAvailable      = "action_not_available"
	CodeInvalidParameters = "invalid_parameters"
	CodeForbidden         = "forbidden"
	CodeFailed            = "action_failed"
)

// Error is a refused record action. Nothing was changed.
type Error struct {
	Kind Kind `json:"-"`
	// Code is a stable, machine-readable reason (CodeNotFound…).
	Code    string `json:"code"`
	Message string `json:"message"`
	// Errors are the problems with each parameter, for
	// CodeInvalidParameters; Field is the parameter's name.
	Errors []records.FieldError `json:"errors,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Result is what a record action did: the source record as updated and the
// records it created by alias (an alias whose when was false is absent).
type Result struct {
	Record  records.Record
	Created map[string]records.Record
	// Objects are the objects of the created records, by alias.
	Objects map[string]*compiled.Object
	// Order lists the aliases of Created in the order they were created.
	Order []string
}

// Service runs record actions over one store.
type Service struct {
	db      store.DB
	records *records.Service
	now     func() time.Time
}

// New returns an action service over db that writes through recs.
func New(db store.DB, recs *records.Service) *Service {
	return &Service{db: db, records: recs, now: time.Now}
}

// Run runs the action called action of obj on record id for actor, with
// the caller's params (as decoded from JSON). The actor needs edit access
// to the record (object permission and record-level access) and create
// permission on the object of every record the action creates; the
// action's criteria must hold. Everything happens in one transaction.
func (s *Service) Run(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, id, action string, params map[string]any) (*Result, error) {
	ca, ok := rev.Action(obj.Meta.Name, action)
	if !ok {
		return nil, errorf(NotFound, CodeNotFound, "object %q has no action %q", obj.Meta.Name, action)
	}
	if actor.Access != nil && !actor.Access.Edit {
		return nil, errorf(Forbidden, CodeForbidden, "your role may not edit records of object %q, which action %q does", obj.Meta.Name, action)
	}
	values, err := Parameters(ca.Meta, params)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var res *Result
	err = s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		res, err = s.run(ctx, tx, rev, ca, actor, id, values, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) run(ctx context.Context, tx store.Tx, rev *compiled.Revision, ca *compiled.Action, actor records.Actor, id string, params map[string]any, now time.Time) (*Result, error) {
	obj := ca.Object
	rec, err := s.records.ReadInTx(ctx, tx, rev, obj, actor, id, records.ModeEdit, true)
	if err != nil {
		return nil, err
	}
	vars := records.ExpressionVars(obj, rec, now, actor).WithParams(params)
	if ca.Criteria != nil {
		ok, err := ca.Criteria.RunCondition(vars)
		if err != nil {
			return nil, failed(ca, "criteria", err)
		}
		if !ok {
			return nil, errorf(Invalid, CodeNotAvailable, "action %q is not available for this record: %s", ca.Meta.Name, ca.Meta.Criteria)
		}
	}
	res := &Result{Created: map[string]records.Record{}, Objects: map[string]*compiled.Object{}}
	for _, c := range ca.Creates {
		alias := c.Meta.As
		if c.When != nil {
			ok, err := c.When.RunCondition(vars)
			if err != nil {
				return nil, failed(ca, "when of "+alias, err)
			}
			if !ok {
				vars.WithCreated(alias, "")
				continue
			}
		}
		input, err := evaluate(ca, alias, c.Values, vars)
		if err != nil {
			return nil, err
		}
		as := actor
		if actor.Access != nil {
			as.Access = rev.Access(actor.Role, c.Target.Meta.Name)
			if !as.Access.Create {
				return nil, errorf(Forbidden, CodeForbidden, "your role may not create records of object %q, which action %q does", c.Target.Meta.Name, ca.Meta.Name)
			}
		}
		created, err := s.records.CreateInTx(ctx, tx, rev, c.Target, as, input)
		if err != nil {
			return nil, prefixed(alias, records.HideUnreadable(c.Target, as.Access, err))
		}
		vars.WithCreated(alias, created.ID())
		res.Created[alias] = created
		res.Objects[alias] = c.Target
		res.Order = append(res.Order, alias)
	}
	input, err := evaluate(ca, "updates", ca.Updates, vars)
	if err != nil {
		return nil, err
	}
	updated, err := s.records.UpdateInTx(ctx, tx, rev, obj, actor, id, input)
	if err != nil {
		return nil, records.HideUnreadable(obj, actor.Access, err)
	}
	res.Record = updated
	return res, nil
}

// evaluate runs the expressions of a field mapping; a nil value leaves its
// field out, so that a default fills it.
func evaluate(ca *compiled.Action, what string, as []*compiled.Assignment, vars expression.Vars) (map[string]any, error) {
	input := make(map[string]any, len(as))
	for _, a := range as {
		v, err := a.Value.Run(vars)
		if err != nil {
			return nil, failed(ca, what+"."+a.Field, err)
		}
		if v != nil {
			input[a.Field] = v
		}
	}
	return input, nil
}

// failed reports an expression of the action that failed at run time.
func failed(ca *compiled.Action, what string, err error) error {
	return &Error{Kind: Invalid, Code: CodeFailed, Message: fmt.Sprintf("action %q: %s failed: %v", ca.Meta.Name, what, err)}
}

// prefixed names the created record in the field errors of its
// validation: "contact.email", or "contact" for the record as a whole.
func prefixed(alias string, err error) error {
	var ve *records.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &records.ValidationError{Conflict: ve.Conflict, Errors: make([]records.FieldError, len(ve.Errors))}
	for i, fe := range ve.Errors {
		if fe.Field == "" {
			fe.Field = alias
		} else {
			fe.Field = alias + "." + fe.Field
		}
		fe.Index = 0
		out.Errors[i] = fe
	}
	return out
}

// Parameters checks the caller's params against the action's declared
// parameters and returns their canonical values: an unknown parameter, a
// missing required one and a value of the wrong type are all reported at
// once as CodeInvalidParameters. A parameter left out (or blank) takes its
// default.
func Parameters(a *metadata.RecordAction, params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(a.Parameters))
	var errs []records.FieldError
	for name := range params {
		if a.Parameter(name) == nil {
			errs = append(errs, records.FieldError{Field: name, Code: metadata.CodeUnknownField,
				Message: fmt.Sprintf("action %q has no parameter %q", a.Name, name)})
		}
	}
	for _, p := range a.Parameters {
		v := params[p.Name]
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			v = nil
		}
		if v == nil {
			d, ve := p.DefaultValue()
			if ve != nil {
				errs = append(errs, records.FieldError{Field: p.Name, Code: ve.Code, Message: ve.Message})
				continue
			}
			if d == nil && p.Required {
				errs = append(errs, records.FieldError{Field: p.Name, Code: metadata.CodeRequired,
					Message: fmt.Sprintf("parameter %q is required", p.Name)})
				continue
			}
			if d != nil {
				out[p.Name] = d
			}
			continue
		}
		cv, ve := p.Normalize(v)
		if ve != nil {
			errs = append(errs, records.FieldError{Field: p.Name, Code: ve.Code, Message: ve.Message})
			continue
		}
		out[p.Name] = cv
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return nil, &Error{Kind: Invalid, Code: CodeInvalidParameters, Message: fmt.Sprintf("the parameters of action %q are not valid", a.Name), Errors: errs}
	}
	return out, nil
}
