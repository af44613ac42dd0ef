package api

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// openAPI answers the OpenAPI 3.1 document of the caller's tenant, generated
// from its current metadata revision.
func (s *Server) openAPI(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	return c.JSON(OpenAPI(rev, tenantOf(c).Name, identityOf(c).User.Role, languages(c)))
}

// OpenAPI builds the OpenAPI 3.1 document of a compiled revision as a role
// sees it: one record schema and one set of record paths per object the
// role may read, with the fields it may read (and, in input schemas, edit)
// and the operations it may take, plus the metadata paths.
func OpenAPI(rev *compiled.Revision, tenant, role string, langs []string) map[string]any {
	schemas := map[string]any{
		"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type":   map[string]any{"type": "string"},
				"title":  map[string]any{"type": "string"},
				"status": map[string]any{"type": "integer"},
				"detail": map[string]any{"type": "string"},
				"code":   map[string]any{"type": "string"},
				"errors": map[string]any{"type": "array", "items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"index":   map[string]any{"type": "integer"},
						"field":   map[string]any{"type": "string"},
						"code":    map[string]any{"type": "string"},
						"message": map[string]any{"type": "string"},
					},
				}},
			},
		},
	}
	paths := map[string]any{}
	for _, o := range rev.Objects() {
		name := o.Meta.Name
		acc := rev.Access(role, name)
		if !acc.Read {
			continue
		}
		schemas[name] = recordSchema(o, acc, langs, false)
		schemas[name+"_input"] = recordSchema(o, acc, langs, true)
		addRecordPaths(paths, o, acc, langs)
	}
	paths["/objects"] = map[string]any{
		"get":  op("List objects", "metadata", nil, nil, okJSON("The tenant's objects")),
		"post": op("Create an object", "metadata", nil, anyBody("An object document (JSON or YAML)"), created("The new revision and the object")),
	}
	paths["/objects/{object}"] = map[string]any{
		"parameters": []any{pathParam("object", "The object's API name")},
		"get":        op("Describe an object", "metadata", nil, nil, okJSON("Fields, types, picklist values")),
		"patch":      op("Change an object", "metadata", nil, anyBody("Properties to change"), okJSON("The new revision")),
		"delete":     op("Delete an object", "metadata", []any{confirmParam()}, nil, okJSON("The new revision")),
	}
	paths["/objects/{object}/fields"] = map[string]any{
		"parameters": []any{pathParam("object", "The object's API name")},
		"post":       op("Add a field", "metadata", nil, anyBody("A field document"), created("The new revision")),
	}
	paths["/objects/{object}/fields/{field}"] = map[string]any{
		"parameters": []any{pathParam("object", "The object's API name"), pathParam("field", "The field's API name")},
		"patch":      op("Change a field", "metadata", nil, anyBody("Members of the field document to change"), okJSON("The new revision")),
		"delete":     op("Delete a field", "metadata", []any{confirmParam()}, nil, okJSON("The new revision")),
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       fmt.Sprintf("Mosaic API — tenant %s", tenant),
			"version":     fmt.Sprintf("revision %d", rev.Number),
			"description": "Generated from the tenant's metadata. Errors are application/problem+json (RFC 9457).",
		},
		"servers":    []any{map[string]any{"url": "/api/v1"}},
		"security":   []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"paths":      paths,
	}
}

// recordSchema is the JSON Schema of an object's records: as read (every
// column) or as written (writable fields only, required ones listed).
func recordSchema(o *compiled.Object, acc *compiled.Access, langs []string, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	for _, c := range o.Columns {
		if c.System {
			if c.Name == compiled.ColRecordType {
				if s := recordTypeSchema(o.Meta, input); s != nil {
					props[c.Name] = s
				}
				continue
			}
			if input {
				continue
			}
			props[c.Name] = systemSchema(c)
			continue
		}
		f := c.Field
		if input && (f.IsGenerated() || !acc.CanEdit(c.Name)) || !acc.CanRead(c.Name) {
			continue
		}
		s := map[string]any{}
		for k, v := range f.TypeOf().JSONSchema(f) {
			s[k] = v
		}
		s["title"] = labelOr(f.Label, langs, f.Name)
		if h := f.HelpText.In(langs); h != "" {
			s["description"] = h
		}
		props[c.Name] = s
		if input && f.Required && f.Default == "" {
			required = append(required, c.Name)
		}
	}
	out := map[string]any{
		"type":                 "object",
		"title":                labelOr(o.Meta.Label, langs, o.Meta.Name),
		"properties":           props,
		"additionalProperties": false,
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// recordTypeSchema is the schema of record_type: as read, a record type's
// name or null (a record keeps its type's name if the type is later
// removed); as written (at create only), the name of an active type, which
// objects without record types do not take.
func recordTypeSchema(o *metadata.Object, input bool) map[string]any {
	s := map[string]any{"type": []any{"string", "null"}}
	if !input {
		s["readOnly"] = true
		s["description"] = "The record's type, chosen at create; null for objects without record types."
		return s
	}
	var names []any
	for _, rt := range o.RecordTypes {
		if rt.IsActive() {
			names = append(names, rt.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	s["enum"] = append(names, nil)
	s["description"] = "The record type, chosen at create (the default type when absent or null); it cannot be changed afterwards."
	return s
}

func systemSchema(c *compiled.Column) map[string]any {
	s := map[string]any{"readOnly": true}
	switch c.Type.Kind {
	case metadata.KindID:
		s["type"], s["format"] = []any{"string", "null"}, "uuid"
	case metadata.KindDateTime:
		s["type"], s["format"] = "string", "date-time"
	case metadata.KindInteger:
		s["type"] = "integer"
	}
	return s
}

func addRecordPaths(paths map[string]any, o *compiled.Object, acc *compiled.Access, langs []string) {
	name := o.Meta.Name
	label := labelOr(o.Meta.PluralLabel, langs, name)
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	input := map[string]any{"$ref": "#/components/schemas/" + name + "_input"}
	list := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"records":     map[string]any{"type": "array", "items": ref},
			"next_cursor": map[string]any{"type": []any{"string", "null"}},
			"total":       map[string]any{"type": "integer"},
		},
	}
	base := "/objects/" + name + "/records"
	paths[base] = map[string]any{
		"get": op("List "+label, name, []any{
			queryParam("filter", "An expression in Mosaic's language, e.g. amount > 1000 && stage == \"Won\""),
			queryParam("sort", "Comma-separated fields, '-' for descending"),
			queryParam("fields", "Comma-separated fields to return"),
			queryParam("limit", "Page size, 1 to 200 (default 50)"),
			queryParam("cursor", "next_cursor of the previous page"),
			queryParam("count", "true to return the total"),
		}, nil, okSchema("A page of records", list)),
		"post": op("Create a record of "+name, name, nil, jsonBody(input), createdSchema("The record", ref)),
	}
	paths[base+"/{id}"] = map[string]any{
		"parameters": []any{pathParam("id", "The record's id")},
		"get":        op("Read a record of "+name, name, []any{queryParam("fields", "Comma-separated fields to return")}, nil, okSchema("The record; ETag is its version", ref)),
		"patch":      op("Change a record of "+name, name, []any{headerParam("If-Match", "The ETag read; 412 when the record changed since")}, jsonBody(input), okSchema("The record", ref)),
		"delete":     op("Delete a record of "+name, name, []any{headerParam("If-Match", "The ETag read")}, nil, map[string]any{"204": map[string]any{"description": "Deleted"}}),
	}
	paths[base+"/{id}/history"] = map[string]any{
		"parameters": []any{pathParam("id", "The record's id")},
		"get": op("Field history of a record of "+name+", newest first", name, []any{
			queryParam("limit", "Page size, 1 to 200 (default 50)"),
			queryParam("cursor", "next_cursor of the previous page"),
		}, nil, okJSON("Changes of tracked fields: field, old_value, new_value, changed_by, changed_at")),
	}
	share := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"user_id": map[string]any{"type": "string", "format": "uuid"},
			"role":    map[string]any{"type": "string"},
			"access":  map[string]any{"enum": []any{"read", "edit"}},
		},
		"required": []any{"access"},
	}
	paths[base+"/{id}/shares"] = map[string]any{
		"parameters": []any{pathParam("id", "The record's id")},
		"get":        op("Manual shares of a record of "+name+" (its owner or an admin)", name, nil, nil, okJSON("shares: id, user_id or role, access, created_by, created_at")),
		"post": op("Share a record of "+name+" with a user or a role (its owner or an admin)", name, nil, jsonBody(share),
			map[string]any{"201": map[string]any{"description": "The share"}}),
	}
	paths[base+"/{id}/shares/{share}"] = map[string]any{
		"parameters": []any{pathParam("id", "The record's id"), pathParam("share", "The share's id")},
		"delete":     op("Delete a share of a record of "+name, name, nil, nil, map[string]any{"204": map[string]any{"description": "Deleted"}}),
	}
	paths[base+"/batch"] = map[string]any{
		"post": op("Create, update or upsert up to 200 records of "+name+" in one transaction", name, nil, jsonBody(map[string]any{
			"type": "object",
			"properties": map[string]any{
				"operation": map[string]any{"enum": []any{"create", "update", "upsert"}},
				"key":       map[string]any{"type": "string"},
				"records":   map[string]any{"type": "array", "maxItems": 200, "items": input},
			},
			"required": []any{"operation", "records"},
		}), okJSON("Every record written")),
	}
	// Operations the role may not take are left out.
	if !acc.Create {
		delete(paths[base].(map[string]any), "post")
	}
	if !acc.Edit {
		delete(paths[base+"/{id}"].(map[string]any), "patch")
	}
	if !acc.Delete {
		delete(paths[base+"/{id}"].(map[string]any), "delete")
	}
	if !acc.Create && !acc.Edit {
		delete(paths, base+"/batch")
	}
	if !acc.Create || !acc.Edit {
		return
	}
	for _, c := range o.FieldColumns() {
		if c.Field.IsUnique() && !c.Field.IsGenerated() && c.Type.Kind == metadata.KindText && acc.CanEdit(c.Name) && acc.CanRead(c.Name) {
			paths[base+"/by/"+c.Name+"/{value}"] = map[string]any{
				"parameters": []any{pathParam("value", "The "+c.Name+" to match")},
				"put":        op("Create or update a record of "+name+" by "+c.Name, name, nil, jsonBody(input), okSchema("Updated (200) or created (201)", ref)),
			}
		}
	}
}

func op(summary, tag string, params []any, body map[string]any, responses map[string]any) map[string]any {
	responses["default"] = map[string]any{
		"description": "A problem",
		"content":     map[string]any{ProblemContentType: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
	}
	o := map[string]any{"summary": summary, "tags": []any{tag}, "responses": responses}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = body
	}
	return o
}

func pathParam(name, desc string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": map[string]any{"type": "string"}}
}

func queryParam(name, desc string) map[string]any {
	return map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]any{"type": "string"}}
}

func headerParam(name, desc string) map[string]any {
	return map[string]any{"name": name, "in": "header", "description": desc, "schema": map[string]any{"type": "string"}}
}

func confirmParam() map[string]any {
	return queryParam("confirm", "true to delete data held by what is deleted")
}

func jsonBody(schema map[string]any) map[string]any {
	return map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
}

func anyBody(desc string) map[string]any {
	return map[string]any{"required": true, "description": desc, "content": map[string]any{
		"application/json": map[string]any{"schema": map[string]any{"type": "object"}},
		"application/yaml": map[string]any{"schema": map[string]any{"type": "object"}},
	}}
}

func okJSON(desc string) map[string]any {
	return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}}
}

func okSchema(desc string, schema map[string]any) map[string]any {
	return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}}
}

func created(desc string) map[string]any {
	return map[string]any{"201": map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}}
}

func createdSchema(desc string, schema map[string]any) map[string]any {
	return map[string]any{"201": map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}}
}
