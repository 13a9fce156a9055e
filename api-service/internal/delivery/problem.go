package delivery

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// problem is an ASP.NET ProblemDetails body, keys in its order.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors are a ValidationProblemDetails' messages by parameter.
	Errors  map[string][]string `json:"errors,omitempty"`
	TraceID string              `json:"traceId,omitempty"`
}

// The problems ASP.NET's client-error mapping makes of bare status
// results, and of model-binding failures.
var (
	problemUnauthorized = &problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.5.2", Title: "Unauthorized", Status: 401}
	problemNotFound     = &problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.5.5", Title: "Not Found", Status: 404}
	problemInternal     = &problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
		Title: "An error occurred while processing your request.", Status: 500}
	problemUnavailable = &problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.6.4", Title: "Service Unavailable", Status: 503}
)

// validationProblem is the 400 for parameters that failed to bind.
func validationProblem(errs []bindError) *problem {
	p := &problem{Type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
		Title: "One or more validation errors occurred.", Status: 400, Errors: map[string][]string{}}
	for _, e := range errs {
		p.Errors[e.name] = append(p.Errors[e.name], e.message)
	}
	return p
}

// writeProblem answers p. ASP.NET adds the trace id to the problems it
// makes itself; Umbraco's ProblemDetailsBuilder ones (type "Error") have
// none.
func writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	out := *p
	if out.Type != "Error" {
		out.TraceID = httpx.RequestID(r.Context())
	}
	b, _ := encode(out) // a problem always encodes
	write(w, out.Status, "application/problem+json; charset=utf-8", b)
}

// TooManyRequests answers a request over the client's rate limit, as a
// ProblemDetails 429 (the limiter has set Retry-After).
func TooManyRequests(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, &problem{Type: "https://tools.ietf.org/html/rfc6585#section-4", Title: "Too Many Requests", Status: http.StatusTooManyRequests})
}

// writeError answers a domain error, logging the ones that are ours. It
// is the only place a domain error becomes a response.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch media.ErrorCode(err) {
	case media.CodeNotFound:
		writeProblem(w, r, problemNotFound)
	case media.CodeUnavailable:
		h.log.WarnContext(r.Context(), "delivery_unavailable", "err", err)
		writeProblem(w, r, problemUnavailable)
	case media.CodeInvalid:
		// A name Postgres can't hold as text (a NUL, bytes that aren't
		// UTF-8) names nothing.
		writeProblem(w, r, problemNotFound)
	default:
		h.log.ErrorContext(r.Context(), "delivery_error", "err", err)
		writeProblem(w, r, problemInternal)
	}
}

// writeOK answers v with 200, or a 500 when it can't be encoded (a stored
// property value that isn't JSON).
func (h *Handler) writeOK(w http.ResponseWriter, r *http.Request, v any) {
	b, err := encode(v)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	write(w, http.StatusOK, "application/json; charset=utf-8", b)
}

// encode marshals v without HTML escaping, so URLs keep their '&'.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func write(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
