package v1

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

// openAPIModel parses the embedded document and builds its 3.1 model; any
// error (a $ref that doesn't resolve, a malformed object) fails the test.
func openAPIModel(t *testing.T) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(OpenAPI())
	if err != nil {
		t.Fatalf("parse openapi.json: %v", err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build the OpenAPI 3 model: %v", err)
	}
	return doc, &m.Model
}

// TestOpenAPIDocument checks that openapi.json is a valid OpenAPI 3.1
// document (against the specification's own schema) and that the invariants
// every answer of the dialect has are declared on every operation.
func TestOpenAPIDocument(t *testing.T) {
	if !json.Valid(OpenAPI()) {
		t.Fatal("openapi.json is not valid JSON")
	}
	doc, model := openAPIModel(t)
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("openapi is %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		var b strings.Builder
		for _, e := range verrs {
			fmt.Fprintf(&b, "\n  %s", e.Error())
			for _, se := range e.SchemaValidationErrors {
				fmt.Fprintf(&b, "\n    %s at %s", se.Reason, se.KeywordLocation)
			}
		}
		t.Fatalf("openapi.json is not a valid OpenAPI 3.1 document:%s", b.String())
	}
	if model.Servers == nil || len(model.Servers) != 1 || model.Servers[0].URL != "/" {
		t.Errorf("servers must be [{url: /}]")
	}

	ids := map[string]string{}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			name := strings.ToUpper(method) + " " + path
			if op.OperationId == "" {
				t.Errorf("%s: no operationId", name)
			} else if other, dup := ids[op.OperationId]; dup {
				t.Errorf("%s: operationId %q is also %s's", name, op.OperationId, other)
			}
			ids[op.OperationId] = name
			if op.Responses == nil || op.Responses.Codes.GetOrZero("429") == nil {
				t.Errorf("%s: no 429 answer (every route is rate limited)", name)
			}
			if path != "/v1/openapi.json" {
				for _, code := range []string{"401", "500", "503"} {
					if op.Responses.Codes.GetOrZero(code) == nil {
						t.Errorf("%s: no %s answer", name, code)
					}
				}
				if len(op.Security) != 1 {
					t.Errorf("%s: want exactly one security requirement", name)
				}
			}
			for code, resp := range op.Responses.Codes.FromOldest() {
				for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
					if hdr := resp.Headers.GetOrZero(h); hdr == nil || !hdr.Required {
						t.Errorf("%s %s: header %s is not declared required (every answer has it)", name, code, h)
					}
				}
				if code == "429" && resp.Headers.GetOrZero("Retry-After") == nil {
					t.Errorf("%s 429: no Retry-After", name)
				}
				if code == "401" && resp.Headers.GetOrZero("WWW-Authenticate") == nil {
					t.Errorf("%s 401: no WWW-Authenticate", name)
				}
			}
		}
	}
	if model.Webhooks == nil || model.Webhooks.Len() == 0 {
		t.Error("no webhooks section: the delivery and its signature must be described")
	}
	for _, name := range []string{"bearer", "basic"} {
		if model.Components.SecuritySchemes.GetOrZero(name) == nil {
			t.Errorf("no security scheme %q", name)
		}
	}
}

// TestOpenAPIRoutes checks that the document's operations are exactly the
// route table's, both ways.
func TestOpenAPIRoutes(t *testing.T) {
	_, model := openAPIModel(t)
	documented := map[string]bool{}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routes := map[string]bool{}
	for _, r := range Routes() {
		routes[r] = true
	}
	var missing, extra []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			extra = append(extra, d)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("openapi.json and routeTable differ:\n  routes not in the document: %v\n  operations not in routeTable: %v", missing, extra)
	}
}

// schemaCheck validates values against the document's component schemas.
type schemaCheck struct {
	t     *testing.T
	model *v3.Document
	sv    schema_validation.SchemaValidator
}

func newSchemaCheck(t *testing.T) schemaCheck {
	_, model := openAPIModel(t)
	return schemaCheck{t: t, model: model, sv: schema_validation.NewSchemaValidator()}
}

// violations returns why v (marshalled to JSON) does not match the
// component schema name; none when it does.
func (c schemaCheck) violations(name string, v any) []string {
	c.t.Helper()
	proxy := c.model.Components.Schemas.GetOrZero(name)
	if proxy == nil {
		c.t.Fatalf("no component schema %q", name)
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	ok, errs := c.sv.ValidateSchemaBytes(proxy.Schema(), b)
	if ok {
		return nil
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Message+": "+e.Reason)
		for _, se := range e.SchemaValidationErrors {
			out = append(out, "  "+se.Reason+" at "+se.KeywordLocation+" ("+se.FieldPath+")")
		}
	}
	if len(out) == 0 {
		out = []string{"invalid"}
	}
	return out
}

func (c schemaCheck) valid(name string, v any) {
	c.t.Helper()
	if errs := c.violations(name, v); errs != nil {
		b, _ := json.Marshal(v)
		c.t.Errorf("%s does not match components/schemas/%s:\n  %s", b, name, strings.Join(errs, "\n  "))
	}
}

func (c schemaCheck) invalid(name string, v any) {
	c.t.Helper()
	if c.violations(name, v) == nil {
		b, _ := json.Marshal(v)
		c.t.Errorf("%s matches components/schemas/%s, but the schema should refuse it", b, name)
	}
}

// TestOpenAPIShapes checks the component schemas against the Go types and
// functions that make the answers, so a field added, renamed or retyped in
// the code fails here before it reaches a client.
func TestOpenAPIShapes(t *testing.T) {
	c := newSchemaCheck(t)
	created := time.Date(2026, 11, 22, 9, 52, 0, 123456789, time.FixedZone("CET", 3600))
	expires := created.Add(time.Hour)
	seconds := 42.5
	keyID := int64(7)
	base := func() *media.Media {
		return &media.Media{ID: 1, Key: "0b7f5c9e-3f6a-4d2b-9c1e-5a8d7e6f4b3a", MIME: "image/jpeg", Stem: "photo", Ext: "jpg",
			ClientFilename: "photo.jpg", OriginalFilesize: 1234, APIKeyID: &keyID, CreatedAt: created}
	}
	uploading := base()
	uploading.Status, uploading.UploadSize, uploading.UploadExpires, uploading.OriginalFilesize = media.StatusUploading, 999, &expires, 0
	processing := base()
	processing.Status = media.StatusProcessing
	ready := base()
	ready.Status, ready.Width, ready.Height = media.StatusReady, 300, 200
	ready.Files = []media.File{{Role: media.RoleOriginal, Width: 640, Height: 480}}
	failed := base()
	failed.Status, failed.StatusError = media.StatusFailed, "corrupt JPEG data"
	failedNoReason := base()
	failedNoReason.Status = media.StatusFailed
	video := base()
	video.Status, video.MIME, video.Ext, video.Width, video.Height, video.Duration = media.StatusReady, "video/mp4", "mp4", 1280, 720, &seconds
	videoUploading := base()
	videoUploading.Status, videoUploading.MIME, videoUploading.UploadSize = media.StatusUploading, "video/mp4", 5000
	pdf := base()
	pdf.Status, pdf.MIME, pdf.Ext, pdf.ClientFilename = media.StatusReady, "application/pdf", "pdf", ""
	for _, m := range []*media.Media{uploading, processing, ready, failed, failedNoReason, video, videoUploading, pdf} {
		c.valid("MediaItem", toItem(m))
		c.valid("MediaSingle", toSingle(m, ""))
		c.valid("MediaSingleWithNextStep", toSingle(m, nextStepReady))
	}
	c.invalid("MediaItem", toSingle(ready, "")) // media_ids is not an item field
	c.invalid("MediaSingleWithNextStep", toSingle(ready, ""))
	withURL := map[string]any{}
	b, _ := json.Marshal(toItem(ready))
	_ = json.Unmarshal(b, &withURL)
	withURL["url"] = "http://storage/x.jpg"
	c.invalid("MediaItem", withURL)

	h := &Handler{cfg: DefaultConfig()}
	used := created.Add(time.Minute)
	key := &media.APIKey{ID: 3, Name: "library A", Prefix: "pm_AbC-9_", Scopes: []media.Scope{media.ScopeRead, media.ScopeWrite},
		CreatedAt: created, LastUsedAt: &used}
	c.valid("APIKey", h.toAPIKey(key))
	revoked := *key
	revoked.RevokedAt, revoked.RateLimit, revoked.Scopes = &used, 5, []media.Scope{media.ScopeRead}
	c.valid("APIKey", h.toAPIKey(&revoked))
	c.valid("APIKeyCreated", struct {
		apiKey
		Key string `json:"key"`
	}{h.toAPIKey(key), "pm_" + strings.Repeat("x", 43)})
	c.invalid("APIKey", struct {
		apiKey
		Key string `json:"key"`
	}{h.toAPIKey(key), "pm_" + strings.Repeat("x", 43)})

	attempt := created.Add(time.Second)
	wh := &media.Webhook{ID: "5e0c7c52-1b0a-4f7e-8f43-2f6a9a1c0d11", URL: "https://example.com/hook",
		Events: []media.EventType{media.EventFailed, media.EventReady}, Secret: "whsec_" + strings.Repeat("s", 43), CreatedAt: created}
	c.valid("Webhook", toWebhook(wh))
	tried := *wh
	tried.LastAttemptAt, tried.LastStatus, tried.LastError = &attempt, 503, "webhook: receiver answered 503"
	c.valid("Webhook", toWebhook(&tried))
	out := toWebhook(wh)
	out.Secret = wh.Secret
	c.valid("WebhookCreated", out)
	c.invalid("Webhook", out) // lists never show a secret

	reason := "corrupt JPEG data"
	c.valid("WebhookEvent", webhook.Body{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: string(media.EventReady),
		CreatedAt: "2026-11-22T09:52:00.123Z", Data: webhook.BodyData{MediaID: ready.Key, Status: string(media.StatusReady)}})
	c.valid("WebhookEvent", webhook.Body{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: string(media.EventFailed),
		CreatedAt: "2026-11-22T09:52:00.123Z", Data: webhook.BodyData{MediaID: ready.Key, Status: string(media.StatusFailed), FailureReason: &reason}})
	c.invalid("WebhookEvent", webhook.Body{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: string(media.EventReady),
		CreatedAt: "2026-11-22T09:52:00.123Z", Data: webhook.BodyData{MediaID: ready.Key, Status: string(media.StatusFailed)}})

	for _, ev := range []media.Event{
		{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: media.EventReady, MediaKey: ready.Key, Status: media.StatusReady, APIKeyID: &keyID, CreatedAt: created},
		{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: media.EventFailed, MediaKey: ready.Key, Status: media.StatusFailed, Error: reason, CreatedAt: created},
		{ID: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Type: media.EventFailed, MediaKey: ready.Key, Status: media.StatusFailed, CreatedAt: created},
	} {
		c.valid("MediaEvent", toEventOut(jobqueue.SequencedEvent{Seq: 12, Event: ev}))
	}

	meta := meta{RequestID: "0123456789abcdef", Timestamp: created.UTC().Format(timestampFormat)}
	for _, e := range []*apiError{
		invalid("limit", "limit must be an integer from 1 to 100."),
		apiErr(http.StatusNotFound, "not_found", "Media not found."),
		fromDomain(media.Errorf(media.CodeConflict, "x")),
		fromDomain(media.Errorf(media.CodeUnavailable, "x")),
		fromDomain(media.Errorf(media.CodeTooLarge, "x")),
		fromDomain(media.Errorf(media.CodeInvalid, "x")),
		fromDomain(io.ErrUnexpectedEOF),
	} {
		c.valid("ErrorEnvelope", envelope{Error: e, Meta: meta})
	}
	c.valid("Envelope", envelope{Data: map[string]any{"id": 3, "revoked": true}, Meta: meta})
	c.invalid("ErrorEnvelope", envelope{Data: map[string]any{}, Error: apiErr(400, "bad_request", "x"), Meta: meta})
	c.invalid("ErrorEnvelope", envelope{Error: apiErr(400, "no_such_code", "x"), Meta: meta})
}

// TestOpenAPIAnswers runs the dialect without its services (so only the
// answers that need none: the document, missing and bad credentials,
// unknown routes and methods, rate limits) and validates each answer
// against the document.
func TestOpenAPIAnswers(t *testing.T) {
	doc, model := openAPIModel(t)
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	c := schemaCheck{t: t, model: model, sv: schema_validation.NewSchemaValidator()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	serve := func(anonPerMinute int) *httptest.Server {
		limiter := httpx.NewRateLimiter(httpx.RateLimitConfig{AnonPerMinute: anonPerMinute, AuthPerMinute: anonPerMinute})
		h, err := New(context.Background(), nil, nil, nil, nil, nil, nil, limiter, nil, nil, log, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(httpx.Middleware(mux, log, "openapi-test"))
		t.Cleanup(srv.Close)
		return srv
	}
	srv := serve(1000)

	type answer struct {
		req    *http.Request
		resp   *http.Response
		body   []byte
		status int
	}
	do := func(srv *httptest.Server, method, path, auth string) answer {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return answer{req: req, resp: resp, body: body, status: resp.StatusCode}
	}
	// conforms validates the answer of a documented operation.
	conforms := func(a answer, status int) {
		t.Helper()
		if a.status != status {
			t.Fatalf("%s %s: %d, want %d: %.1000s", a.req.Method, a.req.URL.Path, a.status, status, a.body)
		}
		if ok, verrs := v.ValidateHttpResponse(a.req, a.resp); !ok {
			var b strings.Builder
			for _, e := range verrs {
				fmt.Fprintf(&b, "\n  %s", e.Error())
			}
			t.Errorf("%s %s → %d does not conform to openapi.json:%s\n  body: %.1000s", a.req.Method, a.req.URL.Path, a.status, b.String(), a.body)
		}
	}

	r := do(srv, "GET", "/v1/openapi.json", "")
	conforms(r, 200)
	if !bytes.Equal(r.body, OpenAPI()) || r.resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /v1/openapi.json serves something else than the embedded document (%s)", r.resp.Header.Get("Content-Type"))
	}
	for _, route := range Routes() {
		method, path, _ := strings.Cut(route, " ")
		if path == "/v1/openapi.json" {
			continue
		}
		path = strings.NewReplacer("{media_id}", "0b7f5c9e-3f6a-4d2b-9c1e-5a8d7e6f4b3a", "{id}", "1").Replace(path)
		conforms(do(srv, method, path, ""), 401)
		if !strings.HasPrefix(path, "/v1/api-keys") {
			// A token that can't be a key is refused before any lookup.
			conforms(do(srv, method, path, "Bearer not-a-key"), 401)
		}
	}
	// Answers outside any operation still use the envelope.
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"PUT", "/v1/media", 405, "GET, HEAD, POST"},
		{"PATCH", "/v1/media/0b7f5c9e-3f6a-4d2b-9c1e-5a8d7e6f4b3a", 405, "GET, HEAD, DELETE"},
		{"GET", "/v1/nothing-here", 404, ""},
		{"GET", "/api/v1/nothing-here", 404, ""},
	} {
		a := do(srv, tc.method, tc.path, "")
		if a.status != tc.status || a.resp.Header.Get("Allow") != tc.allow || a.resp.Header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("%s %s: %d, Allow %q, X-RateLimit-Limit %q", tc.method, tc.path, a.status, a.resp.Header.Get("Allow"), a.resp.Header.Get("X-RateLimit-Limit"))
		}
		var body any
		if err := json.Unmarshal(a.body, &body); err != nil {
			t.Fatalf("%s %s: %v: %s", tc.method, tc.path, err, a.body)
		}
		c.valid("ErrorEnvelope", body)
	}
	// Over budget: 429 with Retry-After.
	limited := serve(1)
	do(limited, "GET", "/v1/media", "")
	a := do(limited, "GET", "/v1/media", "")
	conforms(a, 429)
	if a.resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}
