package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Export formats (?format=).
const (
	exportCSV    = "csv"
	exportNDJSON = "ndjson"
)

// exportRecords streams every record of the object that a list with the
// same filter, sort and fields would return, page after page through
// records.Service.List: record-level access and field-level security apply
// exactly as in lists. CSV has a header row of the fields' API names and
// each value as its canonical string (a multi-picklist's values joined with
// ";"); NDJSON is one record per line, as lists write them. The export is
// audited with its object and the number of records written.
func (s *Server) exportRecords(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	format := c.Query("format", exportCSV)
	if format != exportCSV && format != exportNDJSON {
		return problem(fiber.StatusBadRequest, CodeInvalidQuery, "format must be %q or %q", exportCSV, exportNDJSON)
	}
	raw, err := boolQuery(c, "raw")
	if err != nil {
		return err
	}
	fields, err := fieldsParam(c, obj)
	if err != nil {
		return err
	}
	acc := accessOf(c)
	q := records.ListQuery{Filter: c.Query("filter"), Sort: c.Query("sort"), Fields: fields, Limit: query.MaxLimit,
		User: userOf(c), Access: acc}
	// The first page is read before answering, so that a bad filter or
	// sort is a 400 rather than a broken download.
	ctx := c.UserContext()
	first, err := s.records.List(ctx, rev, obj, q)
	if err != nil {
		return err
	}
	actor, tenantID, tenant := auditActor(c), tenantOf(c).ID, tenantOf(c).Name
	enc := newRecordEncoder(obj, acc, fields)

	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, obj.Meta.Name, format))
	if format == exportCSV {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		n, err := s.writeExport(ctx, w, rev, obj, q, first, enc, format, raw)
		if err != nil {
			// The status is sent: the download ends short, and the log
			// says why.
			slog.ErrorContext(ctx, "api: export ended early", "tenant", tenant, "object", obj.Meta.Name, "records", n, "error", err)
		}
		entry := actor.Entry(tenantID, auth.EventRecordsExported,
			map[string]any{"object": obj.Meta.Name, "format": format, "count": n, "complete": err == nil})
		entry.ObjectID = obj.Meta.ID
		if err := store.InsertAudit(context.WithoutCancel(ctx), s.db, entry); err != nil {
			slog.ErrorContext(ctx, "api: audit entry not written", "event", entry.Event, "tenant", tenant, "error", err)
		}
	})
	return nil
}

// writeExport writes the records of page and of the pages after it to w,
// and returns how many it wrote.
func (s *Server) writeExport(ctx context.Context, w *bufio.Writer, rev *compiled.Revision, obj *compiled.Object, q records.ListQuery,
	page *records.ListResult, enc *recordEncoder, format string, raw bool) (int, error) {
	n := 0
	var (
		cw     *csv.Writer
		row    []string
		buf    []byte
		record = func(rec records.Record) error {
			var err error
			buf, err = enc.appendRecord(buf[:0], rec)
			if err != nil {
				return err
			}
			buf = append(buf, '\n')
			_, err = w.Write(buf)
			return err
		}
	)
	// textual marks the columns whose values are text a spreadsheet could
	// read as a formula.
	textual := make([]bool, len(enc.cols))
	for i, ec := range enc.cols {
		if f := ec.col.Field; f != nil {
			if t, ok := metadata.LookupFieldType(f.Type); ok {
				k := t.Kind(f)
				textual[i] = k == metadata.KindText || k == metadata.KindStrings
			}
		}
	}
	if format == exportCSV {
		cw = csv.NewWriter(w)
		row = make([]string, len(enc.cols))
		for i := range enc.cols {
			row[i] = enc.cols[i].col.Name
		}
		if err := cw.Write(row); err != nil {
			return 0, err
		}
		record = func(rec records.Record) error {
			for i := range enc.cols {
				var err error
				if row[i], buf, err = enc.cols[i].canonical(buf[:0], rec[enc.cols[i].col.Name]); err != nil {
					return err
				}
				if !raw && textual[i] {
					row[i] = spreadsheetSafe(row[i])
				}
			}
			return cw.Write(row)
		}
	}
	for {
		for _, rec := range page.Records {
			if err := record(rec); err != nil {
				return n, err
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
		}
		if err := w.Flush(); err != nil {
			return n, err
		}
		if page.NextCursor == "" {
			return n, nil
		}
		q.Cursor = page.NextCursor
		var err error
		if page, err = s.records.List(ctx, rev, obj, q); err != nil {
			return n, err
		}
	}
}

// spreadsheetSafe keeps a spreadsheet from reading a text cell as a
// formula (OWASP's advice on CSV injection): a cell that starts with =, +,
// -, @, a tab or a carriage return gets a leading apostrophe, which
// spreadsheets show as text. raw=true exports the values as they are.
func spreadsheetSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// canonical returns a value of the column as one CSV cell: its canonical
// string, as the API writes it in JSON without the quotes; "" for no value;
// the values of a list (a multi-picklist) joined with ";". buf is scratch
// space, returned for reuse.
func (ec *encodedColumn) canonical(buf []byte, v any) (string, []byte, error) {
	if v == nil {
		return "", buf, nil
	}
	buf, err := ec.appendValue(buf, v)
	if err != nil {
		return "", buf, err
	}
	switch {
	case len(buf) > 0 && buf[0] == '"':
		var s string
		err = json.Unmarshal(buf, &s)
		return s, buf, err
	case len(buf) > 0 && buf[0] == '[':
		var items []any
		if err := json.Unmarshal(buf, &items); err != nil {
			return "", buf, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = fmt.Sprint(it)
		}
		return strings.Join(parts, ";"), buf, nil
	case string(buf) == "null":
		return "", buf, nil
	}
	return string(buf), buf, nil
}
