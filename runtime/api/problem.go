package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/actions"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Problem is an RFC 9457 problem details document, Mosaic's answer to every
// failure a caller can cause. Errors lists every field error at once.
type Problem struct {
	Type   string        `json:"type"`
	Title  string        `json:"title"`
	Status int           `json:"status"`
	Detail string        `json:"detail,omitempty"`
	Code   string        `json:"code"`
	Errors []ProblemItem `json:"errors,omitempty"`
}

// ProblemItem is one field's (or one metadata path's) error.
type ProblemItem struct {
	Index *int   `json:"index,omitempty"`
	Field string `json:"field"`
	// Rule names the validation rule behind the error, if any.
	Rule    string `json:"rule,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// ProblemContentType is the media type of problem responses.
const ProblemContentType = "application/problem+json"

// problem builds a problem with a status, a code and a detail.
func problem(status int, code, format string, args ...any) *Problem {
	return &Problem{
		Type:   "https://mosaic.dev/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: fmt.Sprintf(format, args...),
	}
}

// Problem codes answered by the API.
const (
	CodeMalformedJSON     = "malformed_json"
	CodeUnauthorized      = "unauthorized"
	CodeNotFound          = "not_found"
	CodeUnknownObject     = "unknown_object"
	CodeUnknownField      = "unknown_field"
	CodeValidation        = "validation_failed"
	CodeConflict          = "conflict"
	CodeStale             = "stale_version"
	CodeReferenced        = "referenced"
	CodeInvalidQuery      = "invalid_query"
	CodeInvalidMetadata   = "invalid_metadata"
	CodeInvalidExpression = "invalid_expression"
	CodeDataLoss          = "data_loss"
	CodeTooLarge          = "body_too_large"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeInternal          = "internal_error"
	CodeUnavailable       = "unavailable"
	CodeBadRequest        = "bad_request"
	// CodeForbidden: the caller is known but may not do this (not an
	// administrator, outside a token's scope).
	CodeForbidden = "forbidden"
	// CodeCSRF: a session's request that changes something lacks the
	// session's CSRF token.
	CodeCSRF = "csrf_failed"
	// CodeInvalidCredentials: a sign-in with a wrong tenant, email or
	// password (which one is not told).
	CodeInvalidCredentials = "invalid_credentials"
	// CodeTooManyAttempts: too many failed sign-ins of the account or from
	// the address; Retry-After says when to try again.
	CodeTooManyAttempts = "too_many_attempts"
	// CodeUnsupportedMedia: a body in a media type the route does not take.
	CodeUnsupportedMedia = "unsupported_media_type"
)

// toProblem maps an error from the lower layers to the problem a caller
// sees. Unexpected errors are logged and answered without detail.
func toProblem(c *fiber.Ctx, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var ve *records.ValidationError
	if errors.As(err, &ve) {
		status, code, detail := fiber.StatusUnprocessableEntity, CodeValidation, "the record is not valid"
		if ve.Conflict {
			status, code, detail = fiber.StatusConflict, CodeConflict, "the record conflicts with another record"
		}
		p := problem(status, code, "%s", detail)
		for _, fe := range ve.Errors {
			item := ProblemItem{Field: fe.Field, Rule: fe.Rule, Code: fe.Code, Message: fe.Message}
			if c.Locals(batchLocal) != nil && fe.Index != records.WholeBatch {
				i := fe.Index
				item.Index = &i
			}
			p.Errors = append(p.Errors, item)
		}
		return p
	}
	var ae *approvals.Error
	if errors.As(err, &ae) {
		return approvalProblem(ae)
	}
	var xe *actions.Error
	if errors.As(err, &xe) {
		return actionProblem(xe)
	}
	var be *bundles.Error
	if errors.As(err, &be) {
		return bundleProblem(be)
	}
	var ie *auth.InputError
	if errors.As(err, &ie) {
		status, code, detail := fiber.StatusUnprocessableEntity, CodeValidation, "the input is not valid"
		if ie.Conflict {
			status, code, detail = fiber.StatusConflict, CodeConflict, "the input conflicts with what is stored"
		}
		p := problem(status, code, "%s", detail)
		for _, fe := range ie.Errors {
			p.Errors = append(p.Errors, ProblemItem{Field: fe.Field, Code: fe.Code, Message: fe.Message})
		}
		return p
	}
	var ps metadata.Problems
	if errors.As(err, &ps) {
		status, code := fiber.StatusUnprocessableEntity, CodeInvalidMetadata
		for _, mp := range ps {
			switch mp.Code {
			case metadata.ProblemDataLoss:
				status, code = fiber.StatusConflict, CodeDataLoss
			case metadata.ProblemReferenced:
				status, code = fiber.StatusConflict, CodeReferenced
			}
		}
		p := problem(status, code, "the metadata change was refused")
		for _, mp := range ps {
			p.Errors = append(p.Errors, ProblemItem{Field: mp.Path, Code: mp.Code, Message: mp.Message})
		}
		return p
	}
	var fe *fiber.Error
	switch {
	case errors.Is(err, records.ErrNotFound):
		return problem(fiber.StatusNotFound, CodeNotFound, "no such record")
	case errors.Is(err, records.ErrForbidden):
		return problem(fiber.StatusForbidden, CodeForbidden, "you may see this record but not change it")
	case errors.Is(err, records.ErrStale):
		return problem(fiber.StatusPreconditionFailed, CodeStale, "the record has changed since you read it; read it again and reapply your change")
	case errors.Is(err, records.ErrReferenced):
		return problem(fiber.StatusConflict, CodeReferenced, "%s", err.Error())
	case errors.Is(err, records.ErrInvalidQuery), errors.Is(err, query.ErrInvalid):
		return problem(fiber.StatusBadRequest, CodeInvalidQuery, "%s", trimPrefix(err.Error(), "invalid query: "))
	case errors.Is(err, records.ErrNotUpsertKey):
		return problem(fiber.StatusBadRequest, CodeBadRequest, "%s; upserts match on an external id or unique text field", err.Error())
	case errors.Is(err, store.ErrConflict):
		return problem(fiber.StatusConflict, CodeConflict, "a concurrent change got there first; read again and retry")
	case errors.Is(err, store.ErrUnauthorized):
		return problem(fiber.StatusUnauthorized, CodeUnauthorized, "a valid API token is required")
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			return problem(fe.Code, CodeTooLarge, "the request body is larger than the limit")
		case fiber.StatusNotFound:
			return problem(fe.Code, CodeNotFound, "no such resource")
		case fiber.StatusMethodNotAllowed:
			return problem(fe.Code, CodeMethodNotAllowed, "method not allowed on this resource")
		}
		return problem(fe.Code, CodeBadRequest, "%s", fe.Message)
	}
	slog.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(), "error", err)
	return problem(fiber.StatusInternalServerError, CodeInternal, "an internal error occurred; it has been logged")
}

func trimPrefix(s, prefix string) string {
	for len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		s = s[len(prefix):]
	}
	return s
}

// errorHandler is the fiber error handler: every error becomes a problem.
func errorHandler(c *fiber.Ctx, err error) error {
	p := toProblem(c, err)
	if p.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="mosaic"`)
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, ProblemContentType)
	return c.JSON(p, ProblemContentType)
}
