package api

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

func (s *Server) routeRecords(r fiber.Router) {
	r.Get("/objects/:object/records", s.listRecords)
	r.Post("/objects/:object/records", s.createRecord)
	r.Post("/objects/:object/records/batch", s.batchRecords)
	r.Put("/objects/:object/records/by/:field/:value", s.upsertRecord)
	r.Get("/objects/:object/records/export", s.exportRecords)
	r.Get("/objects/:object/records/:id", s.getRecord)
	r.Get("/objects/:object/records/:id/history", s.recordHistory)
	r.Patch("/objects/:object/records/:id", s.updateRecord)
	r.Delete("/objects/:object/records/:id", s.deleteRecord)
}

func etag(rec records.Record) string { return `"` + strconv.FormatInt(rec.Version(), 10) + `"` }

// expectedVersion reads If-Match ("3", W/"3") or, failing that, a version
// member of the body (removed from it). nil means unconditional.
func expectedVersion(c *fiber.Ctx, body map[string]any) (*int64, error) {
	if h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch)); h != "" && h != "*" {
		h = strings.TrimPrefix(h, "W/")
		n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
		if err != nil {
			return nil, problem(fiber.StatusBadRequest, CodeBadRequest, "If-Match must be the ETag of the record, such as \"3\"")
		}
		if body != nil {
			delete(body, compiled.ColVersion)
		}
		return &n, nil
	}
	if body == nil {
		return nil, nil
	}
	v, ok := body[compiled.ColVersion]
	if !ok {
		return nil, nil
	}
	delete(body, compiled.ColVersion)
	num, ok := v.(json.Number)
	if !ok {
		return nil, problem(fiber.StatusUnprocessableEntity, CodeValidation, "version must be a whole number")
	}
	n, err := num.Int64()
	if err != nil {
		return nil, problem(fiber.StatusUnprocessableEntity, CodeValidation, "version must be a whole number")
	}
	return &n, nil
}

func (s *Server) createRecord(c *fiber.Ctx) error {
	rev, obj, body, err := s.objectAndBody(c)
	if err != nil {
		return err
	}
	if err := permit(c, obj, actionCreate); err != nil {
		return err
	}
	rec, err := s.records.Create(c.UserContext(), rev, obj, actorOf(c), body)
	if err != nil {
		return records.HideUnreadable(obj, accessOf(c), err)
	}
	c.Set(fiber.HeaderETag, etag(rec))
	c.Set(fiber.HeaderLocation, "/api/v1/objects/"+obj.Meta.Name+"/records/"+rec.ID())
	return sendRecord(c, fiber.StatusCreated, obj, accessOf(c), rec, nil)
}

func (s *Server) getRecord(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	fields, err := fieldsParam(c, obj)
	if err != nil {
		return err
	}
	expand, fields, err := expandParam(c, obj, fields)
	if err != nil {
		return err
	}
	rec, err := s.records.Get(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	x, err := s.expand(c, rev, obj, expand, []records.Record{rec})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(rec))
	return sendRecordExpanded(c, fiber.StatusOK, obj, accessOf(c), rec, fields, x)
}

// expandParam reads ?expand=a,b: lookup fields of obj the caller may read,
// whose values are to be written with the names of the records they point
// at. They are added to fields when fields are named. An unknown field, a
// hidden one or one that is not a lookup is a 400 naming it, as in fields=.
func expandParam(c *fiber.Ctx, obj *compiled.Object, fields []string) ([]string, []string, error) {
	raw := c.Query("expand")
	if raw == "" {
		return nil, fields, nil
	}
	var expand []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" || slices.Contains(expand, f) {
			continue
		}
		if err := records.ExpandField(obj, accessOf(c), f); err != nil {
			return nil, nil, problem(fiber.StatusBadRequest, CodeInvalidQuery, "object %q has no lookup field %q to expand", obj.Meta.Name, f)
		}
		expand = append(expand, f)
		if len(fields) > 0 && !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	return expand, fields, nil
}

// expand names the records the expand fields of recs point at, as far as
// the caller may know them: its role's access to the target object and its
// name field, record-level access, and its API token's objects.
func (s *Server) expand(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, expand []string, recs []records.Record) (records.Expansion, error) {
	if len(expand) == 0 {
		return nil, nil
	}
	var mayRead func(*compiled.Object) bool
	if tok := identityOf(c).Token; tok != nil && tok.Objects != nil {
		mayRead = func(o *compiled.Object) bool { return slices.Contains(tok.Objects, o.Meta.ID) }
	}
	return s.records.Expand(c.UserContext(), rev, obj, actorOf(c), expand, recs, mayRead)
}

func (s *Server) updateRecord(c *fiber.Ctx) error {
	rev, obj, body, err := s.objectAndBody(c)
	if err != nil {
		return err
	}
	if err := permit(c, obj, actionEdit); err != nil {
		return err
	}
	expected, err := expectedVersion(c, body)
	if err != nil {
		return err
	}
	rec, err := s.records.Update(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), body, expected)
	if err != nil {
		return records.HideUnreadable(obj, accessOf(c), err)
	}
	c.Set(fiber.HeaderETag, etag(rec))
	return sendRecord(c, fiber.StatusOK, obj, accessOf(c), rec, nil)
}

func (s *Server) deleteRecord(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	if err := permit(c, obj, actionDelete); err != nil {
		return err
	}
	expected, err := expectedVersion(c, nil)
	if err != nil {
		return err
	}
	if err := s.records.Delete(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), expected); err != nil {
		return err
	}
	s.auditRecordDeleted(c, obj, strings.ToLower(c.Params("id")))
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) upsertRecord(c *fiber.Ctx) error {
	rev, obj, body, err := s.objectAndBody(c)
	if err != nil {
		return err
	}
	// Whether it creates or updates depends on what is stored; the answer
	// must not, so an upsert needs both.
	if err := permit(c, obj, actionCreate, actionEdit); err != nil {
		return err
	}
	// Fiber leaves path parameters escaped: "Acme%20Ltd" must match "Acme Ltd".
	value, err := url.PathUnescape(c.Params("value"))
	if err != nil {
		return problem(fiber.StatusBadRequest, CodeBadRequest, "the key value in the path is not validly escaped")
	}
	rec, created, err := s.records.Upsert(c.UserContext(), rev, obj, actorOf(c), c.Params("field"), value, body)
	if err != nil {
		return records.HideUnreadable(obj, accessOf(c), err)
	}
	c.Set(fiber.HeaderETag, etag(rec))
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		c.Set(fiber.HeaderLocation, "/api/v1/objects/"+obj.Meta.Name+"/records/"+rec.ID())
	}
	return sendRecord(c, status, obj, accessOf(c), rec, nil)
}

func (s *Server) batchRecords(c *fiber.Ctx) error {
	rev, obj, body, err := s.objectAndBody(c)
	if err != nil {
		return err
	}
	req := records.BatchRequest{}
	op, _ := body["operation"].(string)
	req.Op = records.BatchOp(op)
	req.Key, _ = body["key"].(string)
	switch req.Op {
	case records.BatchCreate:
		err = permit(c, obj, actionCreate)
	case records.BatchUpdate:
		err = permit(c, obj, actionEdit)
	case records.BatchUpsert:
		err = permit(c, obj, actionCreate, actionEdit)
	}
	if err != nil {
		return err
	}
	list, ok := body["records"].([]any)
	if !ok {
		return problem(fiber.StatusUnprocessableEntity, CodeValidation, "a batch is {\"operation\": \"create\"|\"update\"|\"upsert\", \"key\": \"<field for upsert>\", \"records\": [ … ]}")
	}
	for k := range body {
		if k != "operation" && k != "key" && k != "records" {
			return problem(fiber.StatusUnprocessableEntity, CodeValidation, "unknown batch member %q", k)
		}
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return problem(fiber.StatusUnprocessableEntity, CodeValidation, "records[%d] must be a JSON object", i)
		}
		req.Records = append(req.Records, m)
	}
	c.Locals(batchLocal, true)
	results, err := s.records.Batch(c.UserContext(), rev, obj, actorOf(c), req)
	if err != nil {
		return records.HideUnreadable(obj, accessOf(c), err)
	}
	return sendBatch(c, obj, accessOf(c), results)
}

// objectAndBody resolves the :object parameter and decodes the JSON body.
func (s *Server) objectAndBody(c *fiber.Ctx) (*compiled.Revision, *compiled.Object, map[string]any, error) {
	rev, obj, err := s.object(c)
	if err != nil {
		return nil, nil, nil, err
	}
	body, err := decodeObject(c.Body())
	if err != nil {
		return nil, nil, nil, err
	}
	return rev, obj, body, nil
}

func fieldsParam(c *fiber.Ctx, obj *compiled.Object) ([]string, error) {
	raw := c.Query("fields")
	if raw == "" {
		return nil, nil
	}
	var fields []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, ok := obj.Column(f); !ok || !accessOf(c).CanRead(f) {
			return nil, problem(fiber.StatusBadRequest, CodeInvalidQuery, "object %q has no field %q", obj.Meta.Name, f)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func (s *Server) listRecords(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	fields, err := fieldsParam(c, obj)
	if err != nil {
		return err
	}
	expand, fields, err := expandParam(c, obj, fields)
	if err != nil {
		return err
	}
	q := records.ListQuery{Filter: c.Query("filter"), Sort: c.Query("sort"), Cursor: c.Query("cursor"), Fields: fields}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > query.MaxLimit {
			// 0 would otherwise fall back to the default page size.
			return problem(fiber.StatusBadRequest, CodeInvalidQuery, "limit must be a whole number from 1 to %d", query.MaxLimit)
		}
		q.Limit = n
	}
	if q.Count, err = boolQuery(c, "count"); err != nil {
		return err
	}
	q.User = userOf(c)
	q.Access = accessOf(c)
	res, err := s.records.List(c.UserContext(), rev, obj, q)
	if err != nil {
		return err
	}
	x, err := s.expand(c, rev, obj, expand, res.Records)
	if err != nil {
		return err
	}
	return sendListExpanded(c, obj, accessOf(c), res, fields, x)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
