package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// Lookups in forms: GET /o/:object/lookup?q= answers the options of the
// records of the object the user may see whose name contains q (htmx
// swaps them into the lookup's select as the user types); without
// JavaScript the select holds the first records.

// lookupLimit bounds the records a lookup offers.
const lookupLimit = 50

// lookup answers the <option>s of the records matching ?q= (or ?_q=).
func (h *Handler) recLookup(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	q := c.Query("q", c.Query("_q"))
	opts, err := h.lookupSearch(c, rev, obj, q)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<option value="">` + template.HTMLEscapeString(T(lang(c), "common.choose")) + `</option>`)
	for _, o := range opts {
		b.WriteString(`<option value="` + template.HTMLEscapeString(o.Value) + `">` + template.HTMLEscapeString(o.Label) + `</option>`)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.SendString(b.String())
}

// lookupSearch lists up to lookupLimit records of obj the user may see,
// by name, whose name contains q ("" for any).
func (h *Handler) lookupSearch(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, q string) ([]FormOption, error) {
	acc := access(c, rev, obj)
	nf := obj.Meta.NameField
	if nf != "" && !acc.CanRead(nf) {
		nf = ""
	}
	lq := records.ListQuery{Limit: lookupLimit, User: actor(c, rev, obj).User(), Access: acc, Fields: []string{compiled.ColID}}
	if nf != "" {
		lq.Fields = append(lq.Fields, nf)
		lq.Sort = nf
		if q = strings.TrimSpace(q); q != "" {
			lq.Filter = nameFilter(nf, q)
		}
	} else if q = strings.TrimSpace(strings.ToLower(q)); q != "" {
		if !recIsID(q) {
			return nil, nil
		}
		lq.Filter = compiled.ColID + " == " + strconv.Quote(q)
	}
	res, err := h.srv.Records().List(c.UserContext(), rev, obj, lq)
	if err != nil {
		return nil, err
	}
	out := make([]FormOption, 0, len(res.Records))
	for _, r := range res.Records {
		out = append(out, FormOption{Value: r.ID(), Label: recName(obj, r)})
	}
	return out, nil
}

// lookupOptions are the options of a lookup's select: the first records
// of the target the user may see, with the current value first. nil when
// the user may not list the target (the form asks for an id then).
func (h *Handler) lookupOptions(c *fiber.Ctx, rev *compiled.Revision, target *compiled.Object, current string, name func(field, id string) (string, bool)) []FormOption {
	if !access(c, rev, target).Read {
		return nil
	}
	opts, err := h.lookupSearch(c, rev, target, "")
	if err != nil {
		return nil
	}
	found := false
	for i := range opts {
		if opts[i].Value == current {
			opts[i].Selected, found = true, true
		}
	}
	if current != "" && !found {
		label := current
		if recIsID(current) {
			if res, err := h.srv.Records().List(c.UserContext(), rev, target, records.ListQuery{
				Filter: compiled.ColID + " == " + strconv.Quote(strings.ToLower(current)), Limit: 1,
				User: actor(c, rev, target).User(), Access: access(c, rev, target)}); err == nil && len(res.Records) == 1 {
				label = recName(target, res.Records[0])
			}
		}
		opts = append([]FormOption{{Value: current, Label: label, Selected: true}}, opts...)
	}
	return opts
}

// lookupNames names the records the form's lookups point at.
func (h *Handler) lookupNames(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, vals recInput) records.Expansion {
	rec := records.Record{}
	for _, col := range obj.FieldColumns() {
		if col.Field.Type == "lookup" {
			if id := strings.ToLower(vals.get(col.Name)); recIsID(id) {
				rec[col.Name] = id
			}
		}
	}
	exp, err := h.recExpand(c, rev, obj, actor(c, rev, obj), []records.Record{rec})
	if err != nil {
		return records.Expansion{}
	}
	return exp
}

// nameFilter matches names containing q. The filter language compares
// text case-sensitively, so the search also tries q in lower case, upper
// case and with a capital first letter.
func nameFilter(field, q string) string {
	seen := map[string]bool{}
	var terms []string
	for _, v := range []string{q, strings.ToLower(q), strings.ToUpper(q), capitalize(strings.ToLower(q))} {
		if !seen[v] {
			seen[v] = true
			terms = append(terms, field+" contains "+strconv.Quote(v))
		}
	}
	return strings.Join(terms, " || ")
}

func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
