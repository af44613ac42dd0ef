// Package expression is Mosaic's one expression language, used for default
// values, validation rules, formulas and approval criteria. It is expr-lang
// (https://expr-lang.org) with a typed environment of record fields and the
// special variables $user, $now and $today, exact decimal arithmetic, and
// budgets that bound what an expression written by anyone can cost.
//
// An expression is compiled once, when the metadata that holds it is saved:
// unknown names and type mismatches are refused then, with the position and
// a caret under it. The compiled Program runs many times, concurrently.
//
// Limits: the source is at most MaxSourceLen bytes and MaxNodes nodes; a
// run has a VM MemoryBudget (collection elements), a string budget
// (MaxStringBytes) and a time limit on its loops (MaxRunTime); decimals keep
// at most MaxDecimalDigits digits before the point and MaxDecimalScale after
// it, and a quotient has DivisionScale digits after the point. Builtins that
// copy collections or build unbounded text (repeat, toJSON, sort, concat…),
// read the clock (now: use $now) or call methods outside a short list of
// date methods are not part of the language.
//
// Besides expr-lang's operators and a few of its builtins, the language has
// the functions implementers know from CRM platforms, spelled in upper case:
// ISBLANK, IF, CASE, TEXT, VALUE, LEN, DATEDIFF, ADDMONTHS, ROUND, MAX,
// INCLUDES, REGEX, … (functions_*.go), and the functions of record changes
// ISNEW, ISCHANGED and PRIORVALUE, which read the context a caller sets with
// Vars.ForCreate or Vars.ForUpdate (context.go). nil is a blank value
// everywhere: an ordering with nil is false, a condition that is nil is
// false, and the functions take blanks without failing. docs/expressions.md
// describes the language for implementers.
package expression

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Limits of an expression.
const (
	// MaxSourceLen is the longest source accepted, in bytes.
	MaxSourceLen = 4096
	// MaxNodes is the largest syntax tree accepted.
	MaxNodes = 500
	// MemoryBudget is the VM's budget of one run, in expr-lang's units:
	// about one per collection element created or iterated.
	MemoryBudget = 1 << 20
)

// baseOptions are the compile options shared by every expression.
var baseOptions = functionOptions()

// Program is a compiled expression. It is immutable and safe to Run from
// several goroutines at once.
type Program struct {
	source  string
	program *vm.Program
	out     reflect.Type
	metered bool
	vms     sync.Pool
	// paths and fields are what an expression on a record reads (paths.go).
	paths, fields []string
}

// Compile compiles src in env. Every error is an *Error located in src,
// e.g.
//
//	unknown name Noo (1:1)
//	 | Noo
//	 | ^
func Compile(src string, env *Env) (*Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, plainError(ErrEmpty)
	}
	if len(src) > MaxSourceLen {
		return nil, plainError(ErrTooLong)
	}
	if env == nil {
		env = DefaultsEnv()
	}
	var paths *pathPatcher
	if env.object != nil {
		var err error
		if env, paths, err = env.withPaths(src); err != nil {
			return nil, err
		}
	}
	p := &patcher{env: env}
	opts := make([]expr.Option, 0, len(baseOptions)+5)
	opts = append(opts, baseOptions...)
	opts = append(opts, expr.Env(env.zero), expr.MaxNodes(MaxNodes))
	if paths != nil {
		// First: the type checks between patchers must see the paths.
		opts = append(opts, expr.Patch(paths))
	}
	opts = append(opts, expr.Patch(p), expr.Patch(retype{}))
	program, err := compile(src, opts)
	if err != nil {
		e := asError(err)
		// expr-lang's compiler appends a stack trace to a recovered panic.
		e.Message, _, _ = strings.Cut(e.Message, "\n")
		return nil, e
	}
	if p.err != nil {
		return nil, fromFileError(p.err.Bind(file.NewSource(src)), nil)
	}
	prog := &Program{
		source:  src,
		program: program,
		out:     program.Node().Type(),
		metered: p.metered,
	}
	if env.object != nil {
		prog.paths, prog.fields = env.reads(program.Node())
	}
	return prog, nil
}

// compile calls expr-lang, turning a panic of its compiler into an error.
func compile(src string, opts []expr.Option) (program *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			program, err = nil, fmt.Errorf("compilation failed: %v", r)
		}
	}()
	return expr.Compile(src, opts...)
}

// Source returns the expression's text.
func (p *Program) Source() string { return p.source }

// OutputType is the Go type of the expression's value as far as it is known
// at compile time: interface{} when it depends on run-time values.
func (p *Program) OutputType() reflect.Type { return p.out }

// Run evaluates the expression with vars. A failure (a nil where a value is
// needed, a division by zero, an exceeded budget, …) is an *Error located in
// the source; Run never panics.
//
// Runs reuse VMs from a pool: a VM keeps its stack between runs, which saves
// an allocation or two per run over a fresh VM (see BenchmarkRun).
func (p *Program) Run(vars Vars) (any, error) {
	machine, _ := p.vms.Get().(*vm.VM)
	if machine == nil {
		machine = &vm.VM{}
	}
	out, err := p.runOn(machine, vars)
	p.vms.Put(machine)
	return out, err
}

// runOn evaluates the expression on machine.
func (p *Program) runOn(machine *vm.VM, vars Vars) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, plainError(fmt.Errorf("expression failed: %v", r))
		}
	}()
	env := map[string]any(vars)
	if p.metered {
		env = make(map[string]any, len(vars)+1)
		for k, v := range vars {
			env[k] = v
		}
		env[meterKey] = &meter{start: time.Now()}
	}
	machine.MemoryBudget = MemoryBudget
	out, err = machine.Run(p.program, env)
	if err != nil {
		return nil, asError(err)
	}
	return out, nil
}
