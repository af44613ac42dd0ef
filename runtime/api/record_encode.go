package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// Records are written as JSON straight from the compiled object's columns,
// in column order, into a pooled buffer: no map per record, no reflection,
// no sorting of keys. The output is what encodeJSON made of the maps
// records used to be shaped into (the same members and values, the same
// string escaping: encoding/json's, without HTML escaping), apart from the
// order of the members. record_encode_test.go holds the two side by side.

// recordEncoder writes the records of one object, limited to some fields.
// It is made once per response.
type recordEncoder struct {
	cols []encodedColumn
}

// encodedColumn is a column to write and how its values are written.
type encodedColumn struct {
	col  *compiled.Column
	form valueForm
	enc  metadata.Encoder
	// expanded is set for a lookup written as {"id", "name"}: names are
	// the names of the records the caller may know.
	expanded bool
	names    map[string]string
}

// valueForm is how a column's non-nil value is written.
type valueForm uint8

const (
	// formPlain: the value as it is (system columns, types without an
	// Encoder); an instant in metadata.DateTimeLayout.
	formPlain valueForm = iota
	// formEncoder: what the field type's Encoder makes of the value.
	formEncoder
	// formDate: a date field, as metadata.DateType encodes it.
	formDate
	// formDateTime: a datetime field, as metadata.DateTimeType encodes it.
	formDateTime
)

// newRecordEncoder prepares the writing of obj's records: every column, or
// id, version and the named fields (names of columns of obj) when fields
// is not empty; of those, only the ones acc may read (all when acc is nil).
func newRecordEncoder(obj *compiled.Object, acc *compiled.Access, fields []string) *recordEncoder {
	var keep []bool
	if len(fields) > 0 {
		keep = make([]bool, len(obj.Columns))
		for _, name := range append([]string{compiled.ColID, compiled.ColVersion}, fields...) {
			if c, ok := obj.Column(name); ok {
				keep[c.Index] = true
			}
		}
	}
	e := &recordEncoder{cols: make([]encodedColumn, 0, len(obj.Columns))}
	for i, c := range obj.Columns {
		if keep != nil && !keep[i] || acc != nil && !acc.CanRead(c.Name) {
			continue
		}
		ec := encodedColumn{col: c}
		if c.Field != nil {
			// The types whose Encoder writes a time are written here with
			// the same layout, appended rather than formatted into a new
			// string.
			switch t := c.Field.TypeOf().(type) {
			case metadata.DateType:
				ec.form = formDate
			case metadata.DateTimeType:
				ec.form = formDateTime
			case metadata.Encoder:
				ec.form, ec.enc = formEncoder, t
			}
		}
		e.cols = append(e.cols, ec)
	}
	return e
}

// expand makes the lookups named in x written as {"id": …, "name": …}
// ("name" only for the ids x names), and returns e.
func (e *recordEncoder) expand(x records.Expansion) *recordEncoder {
	for i := range e.cols {
		if names, ok := x[e.cols[i].col.Name]; ok {
			e.cols[i].expanded, e.cols[i].names = true, names
		}
	}
	return e
}

// appendRecord appends rec as a JSON object: the encoder's columns in
// order, then the warnings of the write that produced it, if any.
func (e *recordEncoder) appendRecord(dst []byte, rec records.Record) ([]byte, error) {
	dst = append(dst, '{')
	var err error
	for i := range e.cols {
		ec := &e.cols[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, ec.col.Name)
		dst = append(dst, ':')
		if dst, err = ec.appendValue(dst, rec[ec.col.Name]); err != nil {
			return nil, fmt.Errorf("api: field %s: %w", ec.col.Name, err)
		}
	}
	if w := rec.Warnings(); len(w) > 0 {
		// "_" cannot start a field name.
		if len(e.cols) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"_warnings":`...)
		if dst, err = appendJSONValue(dst, w); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendValue appends a value of the column.
func (ec *encodedColumn) appendValue(dst []byte, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	if id, ok := v.(string); ok && ec.expanded {
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, id)
		if name, ok := ec.names[id]; ok {
			dst = append(dst, `,"name":`...)
			dst = appendJSONString(dst, name)
		}
		return append(dst, '}'), nil
	}
	switch ec.form {
	case formDate:
		if t, ok := v.(time.Time); ok {
			dst = append(dst, '"')
			dst = t.AppendFormat(dst, metadata.DateLayout)
			return append(dst, '"'), nil
		}
	case formDateTime:
		if t, ok := v.(time.Time); ok {
			return appendInstant(dst, t), nil
		}
	case formEncoder:
		v = ec.enc.EncodeJSON(ec.col.Field, v)
	}
	return appendJSONValue(dst, v)
}

// appendInstant appends an instant in the API's one form of instants,
// metadata.DateTimeLayout: UTC with six fractional digits.
func appendInstant(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, metadata.DateTimeLayout)
	return append(dst, '"')
}

// appendJSONValue appends v as encodeJSON would write it, with fast paths
// for the values records hold; an instant is written as appendInstant
// writes it.
func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendJSONString(dst, v), nil
	case json.Number:
		if v == "" {
			return append(dst, '0'), nil // as encoding/json writes it
		}
		if !isValidNumber(string(v)) {
			return nil, fmt.Errorf("api: invalid number literal %q", string(v))
		}
		return append(dst, v...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case time.Time:
		return appendInstant(dst, v), nil
	case []string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, s)
		}
		return append(dst, ']'), nil
	}
	b, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// hexDigits are the digits of \u escapes, lower case as encoding/json
// writes them.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json does
// without HTML escaping: ", \ and control characters escaped (\b, \f, \n,
// \r, \t by name, the others as \u00XX), each byte of invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 as \u2028 and \u2029.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// isValidNumber reports whether s is a JSON number literal, as encoding/json
// checks a json.Number before writing it.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// Response buffers are pooled; one that grew past maxPooledBuffer (a large
// page or batch) is left to the garbage collector rather than kept.
const maxPooledBuffer = 1 << 20

var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// sendEncoded answers status with the JSON that write appends to a pooled
// buffer. The body is copied into the response, so the buffer goes back to
// the pool at once.
func sendEncoded(c *fiber.Ctx, status int, write func(dst []byte) ([]byte, error)) error {
	bp := bufferPool.Get().(*[]byte)
	buf, err := write((*bp)[:0])
	if err != nil {
		bufferPool.Put(bp)
		return err
	}
	c.Status(status)
	c.Response().SetBody(buf)
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	if cap(buf) <= maxPooledBuffer {
		*bp = buf[:0]
		bufferPool.Put(bp)
	}
	return nil
}

// sendRecord answers status with one record, limited to fields when they
// are given.
func sendRecord(c *fiber.Ctx, status int, obj *compiled.Object, acc *compiled.Access, rec records.Record, fields []string) error {
	return sendRecordExpanded(c, status, obj, acc, rec, fields, nil)
}

// sendRecordExpanded is sendRecord with the lookups of x expanded.
func sendRecordExpanded(c *fiber.Ctx, status int, obj *compiled.Object, acc *compiled.Access, rec records.Record, fields []string, x records.Expansion) error {
	e := newRecordEncoder(obj, acc, fields).expand(x)
	return sendEncoded(c, status, func(dst []byte) ([]byte, error) { return e.appendRecord(dst, rec) })
}

// sendList answers a page of records: {"records": […], "next_cursor": …,
// "total": …} (total only when counted).
func sendList(c *fiber.Ctx, obj *compiled.Object, acc *compiled.Access, res *records.ListResult, fields []string) error {
	return sendListExpanded(c, obj, acc, res, fields, nil)
}

// sendListExpanded is sendList with the lookups of x expanded.
func sendListExpanded(c *fiber.Ctx, obj *compiled.Object, acc *compiled.Access, res *records.ListResult, fields []string, x records.Expansion) error {
	e := newRecordEncoder(obj, acc, fields).expand(x)
	return sendEncoded(c, fiber.StatusOK, func(dst []byte) ([]byte, error) {
		dst = append(dst, `{"records":[`...)
		var err error
		for i, r := range res.Records {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = e.appendRecord(dst, r); err != nil {
				return nil, err
			}
		}
		dst = append(dst, `],"next_cursor":`...)
		if res.NextCursor == "" {
			dst = append(dst, "null"...)
		} else {
			dst = appendJSONString(dst, res.NextCursor)
		}
		if res.Total != nil {
			dst = append(dst, `,"total":`...)
			dst = strconv.AppendInt(dst, *res.Total, 10)
		}
		return append(dst, '}'), nil
	})
}

// sendBatch answers the results of a batch: {"results": [{"created": …,
// "record": {…}}, …]}.
func sendBatch(c *fiber.Ctx, obj *compiled.Object, acc *compiled.Access, results []records.BatchResult) error {
	e := newRecordEncoder(obj, acc, nil)
	return sendEncoded(c, fiber.StatusOK, func(dst []byte) ([]byte, error) {
		dst = append(dst, `{"results":[`...)
		var err error
		for i, r := range results {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"created":`...)
			dst = strconv.AppendBool(dst, r.Created)
			dst = append(dst, `,"record":`...)
			if dst, err = e.appendRecord(dst, r.Record); err != nil {
				return nil, err
			}
			dst = append(dst, '}')
		}
		return append(dst, "]}"...), nil
	})
}
