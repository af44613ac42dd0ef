package query

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Cursor is the position after which the next page starts: the values of
// the sort keys of the last row returned, the id last.
type Cursor struct {
	Values []any
}

// cursorWire is the JSON inside the opaque cursor string: the sort spec it
// belongs to and the key values in their JSON form.
type cursorWire struct {
	Sort   string            `json:"s"`
	Values []json.RawMessage `json:"v"`
}

// EncodeCursor makes the opaque cursor of row (canonical values by column
// name) for a sort spec.
func EncodeCursor(spec string, keys []Sort, row map[string]any) (string, error) {
	w := cursorWire{Sort: spec}
	for _, k := range keys {
		v := row[k.Column.Name]
		if k.Column.Field != nil && v != nil {
			if enc, ok := k.Column.Field.TypeOf().(metadata.Encoder); ok {
				v = enc.EncodeJSON(k.Column.Field, v)
			}
		} else if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("query: cursor: %w", err)
		}
		w.Values = append(w.Values, b)
	}
	b, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("query: cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// DecodeCursor reads a cursor made by EncodeCursor for the same sort spec.
func DecodeCursor(s, spec string, keys []Sort) (*Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	var w cursorWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	if w.Sort != spec || len(w.Values) != len(keys) {
		return nil, fmt.Errorf("%w: the cursor belongs to another sort; start again without it", ErrInvalid)
	}
	c := &Cursor{Values: make([]any, len(keys))}
	for i, k := range keys {
		dec := json.NewDecoder(bytes.NewReader(w.Values[i]))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: malformed cursor", ErrInvalid)
		}
		if v == nil {
			if k.Column.Name == compiled.ColID {
				// A record always has an id: such a cursor was made up.
				return nil, fmt.Errorf("%w: malformed cursor", ErrInvalid)
			}
			continue
		}
		cv, err := canonical(k.Column, v)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed cursor: %v", ErrInvalid, err)
		}
		c.Values[i] = cv
	}
	return c, nil
}

// canonical converts a JSON value back to the column's canonical value.
func canonical(c *compiled.Column, v any) (any, error) {
	if c.Field != nil && c.Type.Kind != metadata.KindText && c.Type.Kind != metadata.KindID {
		f := c.Field.ValueField() // a formula's values are of its result type
		out, verr := f.TypeOf().Normalize(f, v)
		if verr != nil {
			return nil, verr
		}
		return out, nil
	}
	switch c.Type.Kind {
	case metadata.KindID:
		// Checked here, not by the database: PostgreSQL fails the whole
		// query on a uuid parameter that is not one.
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a record id")
		}
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("want a record id")
		}
		return id.String(), nil
	case metadata.KindText:
		// Text fields are not normalized (an auto-number refuses every
		// value, and a since-lowered max_length must not refuse stored
		// text), but PostgreSQL text cannot hold NUL.
		s, ok := v.(string)
		if !ok || strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("want a string")
		}
		return s, nil
	case metadata.KindDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a time")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return t.UTC(), err
	case metadata.KindInteger:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("want an integer")
		}
		return n.Int64()
	}
	return nil, fmt.Errorf("unsupported cursor column %s", c.Name)
}
