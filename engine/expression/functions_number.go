package expression

import (
	"fmt"
	"reflect"
	"time"

	"github.com/shopspring/decimal"
)

// numberFuncs are the functions of numbers. They take decimals and Go
// numbers (a float as the shortest decimal that prints as it), return
// decimals, and are exact; a blank number gives a blank result.
var numberFuncs = []*crmFunc{
	{
		name: "ROUND", params: []param{{"number", argNumber}, {"places", argWhole}}, optional: 1, out: decimalType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			d, blank, err := f.numberArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			places := int64(0)
			if len(a) == 2 {
				if places, blank, err = f.wholeArg(a, 1, MaxDecimalScale); blank || err != nil {
					return nil, err
				}
			}
			// Round is half away from zero: 2.345 → 2.35, -2.345 → -2.35.
			return bounded(d.Round(int32(places)))
		},
	},
	decimalFunc("FLOOR", decimal.Decimal.Floor),
	decimalFunc("CEIL", decimal.Decimal.Ceil),
	decimalFunc("ABS", decimal.Decimal.Abs),
	extremum("MIN", -1),
	extremum("MAX", 1),
}

// decimalFunc is a function of one number.
func decimalFunc(name string, op func(decimal.Decimal) decimal.Decimal) *crmFunc {
	return &crmFunc{
		name: name, params: []param{{"number", argNumber}}, out: decimalType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			d, blank, err := f.numberArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			return bounded(op(d))
		},
	}
}

// extremum is MIN (sign -1) or MAX (sign 1) of numbers or of dates. Blank
// arguments are left out; the result is blank when all are.
func extremum(name string, sign int) *crmFunc {
	return &crmFunc{
		name: name, params: []param{{"value", argOrder}}, variadic: true,
		result: orderedType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			var (
				best     any
				bestDec  decimal.Decimal
				bestTime time.Time
			)
			for i, v := range a {
				switch x := v.(type) {
				case nil:
					continue
				case time.Time:
					if _, isDec := best.(decimal.Decimal); isDec {
						return nil, errMixed(f)
					}
					if best == nil || x.Compare(bestTime) == sign {
						best, bestTime = x, x
					}
				default:
					d, _, err := f.numberArg(a, i)
					if err != nil {
						return nil, err
					}
					if _, isTime := best.(time.Time); isTime {
						return nil, errMixed(f)
					}
					if best == nil || d.Cmp(bestDec) == sign {
						best, bestDec = d, d
					}
				}
			}
			return best, nil
		},
	}
}

func errMixed(f *crmFunc) error {
	return fmt.Errorf("%s: cannot compare numbers with dates", f.signature())
}

// orderedType is the type of MIN and MAX: a date when an argument is a
// date, a decimal when one is a number, unknown otherwise.
func orderedType(args []reflect.Type) reflect.Type {
	for _, t := range args {
		switch {
		case t == timeType:
			return timeType
		case t == decimalType || numeric(t):
			return decimalType
		}
	}
	return anyType
}
