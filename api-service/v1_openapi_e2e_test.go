package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	v1 "github.com/pixelmill/pixelmill/api-service/internal/v1"
	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
)

// checkOpenAPI checks the live /v1 API against the OpenAPI document it
// serves: it fetches GET /v1/openapi.json, then makes real requests that
// cover every operation of the document with at least one success and at
// least one error (and, across them, every kind of error a client can
// provoke: 400, 401, 403, 404, 405, 409, 413, 422, 429), and validates each
// request and answer with libopenapi-validator: the status is declared, the
// body matches the declared schema, the declared headers are there and
// valid. It also checks that the document refuses the malformed requests the
// API refuses, so the document's constraints can't drift from the code's.
// The event stream's body is not validated as a whole (it is not JSON); the
// data of one of its events is, as are a webhook delivery's body and
// signature. c is a key whose library already has items of every status;
// the check makes keys of its own for everything else and revokes them.
func checkOpenAPI(t *testing.T, base string, c v1Client) {
	t.Helper()
	o := newOASCheck(t, base)
	defer o.report()
	admin := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	jpeg, err := os.ReadFile(filepath.Join(testdataDir(t), "photo-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	const unknownID = "00000000-0000-4000-8000-000000000000"
	jsonCT := map[string]string{"Content-Type": "application/json"}

	// API keys, with an administrator's HTTP Basic credentials.
	const createKey = "POST /v1/api-keys"
	newKey := func(body string) (key string, id int64) {
		a := o.send(oasReq{op: createKey, auth: admin, header: jsonCT, body: body, status: 201, valid: true})
		var k struct {
			ID  int64  `json:"id"`
			Key string `json:"key"`
		}
		a.data(t, &k)
		return k.Key, k.ID
	}
	key, keyID := newKey(`{"name":"openapi check"}`)
	reader, readerID := newKey(`{"name":"openapi reader","scopes":["read","read"]}`)
	limited, limitedID := newKey(`{"name":"openapi limited","rate_limit":1}`)
	bearer, readerBearer := "Bearer "+key, "Bearer "+reader
	o.send(oasReq{op: createKey, header: jsonCT, body: `{}`, status: 401, note: "no credentials"})
	o.send(oasReq{op: createKey, auth: admin, header: jsonCT, body: `{`, status: 400, code: "bad_request", note: "not JSON"})
	o.send(oasReq{op: createKey, auth: admin, header: jsonCT, body: `{"scopes":["admin"]}`, status: 400, code: "validation_error"})
	o.send(oasReq{op: createKey, auth: admin, header: jsonCT, body: `{"name":"` + strings.Repeat("n", 70<<10) + `"}`, status: 413, note: "body over 64 KiB"})
	o.send(oasReq{op: "GET /v1/api-keys", auth: admin, status: 200, valid: true})
	o.send(oasReq{op: "GET /v1/api-keys", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:wrong")), status: 401, valid: true, note: "wrong password"})
	o.send(oasReq{op: "GET /v1/api-keys", auth: bearer, status: 401, note: "an API key where Basic is wanted"})

	// Webhooks, registered first so the uploads below are delivered.
	hooks := newOASHooks(t)
	const createHook = "POST /v1/webhooks"
	a := o.send(oasReq{op: createHook, auth: bearer, header: jsonCT, body: `{"url":"` + hooks.url + `"}`, status: 201, valid: true})
	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	a.data(t, &hook)
	o.send(oasReq{op: createHook, auth: bearer, header: jsonCT, body: `{"url":"ftp://example.com/x"}`, status: 400, code: "validation_error"})
	o.send(oasReq{op: createHook, auth: bearer, header: jsonCT, body: `{"url":"` + hooks.url + `","events":[]}`, status: 400, code: "validation_error"})
	o.send(oasReq{op: createHook, auth: bearer, header: jsonCT, body: `{"url":"` + hooks.url + `","events":["media.deleted"]}`, status: 400, code: "validation_error"})
	o.send(oasReq{op: createHook, auth: readerBearer, header: jsonCT, body: `{"url":"` + hooks.url + `"}`, status: 403, valid: true, note: "a read-only key"})
	o.send(oasReq{op: createHook, header: jsonCT, body: `{"url":"` + hooks.url + `"}`, status: 401, note: "no key"})
	o.send(oasReq{op: "GET /v1/webhooks", auth: bearer, status: 200, valid: true})
	o.send(oasReq{op: "GET /v1/webhooks", auth: readerBearer, status: 200, valid: true})
	o.send(oasReq{op: "GET /v1/webhooks", status: 401, note: "no key"})

	// The event stream, open while the uploads below become ready.
	const events = "GET /v1/media/events"
	stream := o.stream(bearer)
	defer stream.close()
	o.send(oasReq{op: events, status: 401, note: "no key"})
	o.send(oasReq{op: events, auth: bearer, header: map[string]string{"Last-Event-ID": "x"}, status: 400, code: "validation_error"})

	// Lists: c's library holds items of every status the earlier subtests made.
	const list = "GET /v1/media"
	o.send(oasReq{op: list, auth: "Bearer " + c.key, query: "?limit=100", status: 200, valid: true})
	o.send(oasReq{op: list, auth: "Bearer " + c.key, query: "?type=video&limit=5&offset=0", status: 200, valid: true})
	o.send(oasReq{op: list, auth: bearer, status: 200, valid: true})
	o.send(oasReq{op: list, status: 401, note: "no key"})
	o.send(oasReq{op: list, auth: "Bearer pm_unknownunknownunknownunknownunknownunknown1", status: 401, valid: true, note: "unknown key"})
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?offset=-1", "?type=audio"} {
		o.send(oasReq{op: list, auth: bearer, query: q, status: 400, code: "validation_error"})
	}

	// A presigned upload, step by step.
	const begin, complete = "POST /v1/media/upload", "POST /v1/media/{media_id}/complete"
	a = o.send(oasReq{op: begin, auth: bearer, header: jsonCT, status: 201, valid: true,
		body: fmt.Sprintf(`{"filename":"openapi.jpg","content_type":"image/jpeg","size":%d}`, len(jpeg))})
	var up v1Upload
	a.data(t, &up)
	o.send(oasReq{op: begin, auth: bearer, header: jsonCT, body: `{"filename":"sdk.png","content_type":"image/png","file_size":1000}`, status: 201, valid: true})
	for _, body := range []string{
		`{"content_type":"image/jpeg","size":10}`,
		`{"filename":"a.jpg","content_type":"image/jpeg"}`,
		`{"filename":"a.exe","content_type":"application/x-msdownload","size":10}`,
		`{"filename":"a.jpg","content_type":"image/jpeg","size":0}`,
		`{"filename":"` + strings.Repeat("a", 256) + `.jpg","content_type":"image/jpeg","size":10}`,
	} {
		o.send(oasReq{op: begin, auth: bearer, header: jsonCT, body: body, status: 400, code: "validation_error"})
	}
	o.send(oasReq{op: begin, auth: bearer, header: jsonCT, body: `{`, status: 400, code: "bad_request", note: "not JSON"})
	o.send(oasReq{op: begin, auth: readerBearer, header: jsonCT, body: `{"filename":"a.jpg","content_type":"image/jpeg","size":10}`, status: 403, valid: true, note: "a read-only key"})
	o.send(oasReq{op: complete, auth: bearer, path: up.MediaID, status: 409, valid: true, code: "upload_incomplete", note: "before the bytes"})
	if st, body := putUpload(t, up, bytes.NewReader(jpeg), int64(len(jpeg)), "image/jpeg"); st/100 != 2 {
		t.Fatalf("PUT to upload_url: %d %s", st, body)
	}
	o.send(oasReq{op: complete, auth: bearer, path: up.MediaID, query: "?wait=61", status: 400, code: "validation_error"})
	o.send(oasReq{op: complete, auth: bearer, path: up.MediaID, query: "?wait=30", status: 200, valid: true})
	o.send(oasReq{op: complete, auth: bearer, path: up.MediaID, status: 200, valid: true, note: "again"})
	o.send(oasReq{op: complete, auth: bearer, path: unknownID, status: 404, valid: true})
	o.send(oasReq{op: complete, auth: "Bearer " + c.key, path: up.MediaID, status: 404, valid: true, note: "another key's item"})

	// Direct uploads.
	const create = "POST /v1/media"
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "openapi-direct.jpg")
	_, _ = fw.Write(jpeg)
	_ = mw.Close()
	a = o.send(oasReq{op: create, auth: bearer, query: "?wait=30", header: map[string]string{"Content-Type": mw.FormDataContentType()},
		body: form.String(), status: 201, valid: true, note: "multipart"})
	var direct v1Item
	a.data(t, &direct)
	a = o.send(oasReq{op: create, auth: bearer, query: "?filename=openapi-raw.jpg", header: map[string]string{"Content-Type": "image/jpeg"},
		body: string(jpeg), status: 201, valid: true, note: "raw bytes"})
	var raw v1Item
	a.data(t, &raw)
	var noFile bytes.Buffer
	mw = multipart.NewWriter(&noFile)
	_ = mw.WriteField("title", "no file")
	_ = mw.Close()
	o.send(oasReq{op: create, auth: bearer, header: map[string]string{"Content-Type": mw.FormDataContentType()}, body: noFile.String(),
		status: 400, valid: true, code: "validation_error", note: "multipart without a file part"})
	o.send(oasReq{op: create, auth: bearer, header: map[string]string{"Content-Type": "multipart/form-data"}, body: "x",
		status: 400, valid: true, code: "bad_request", note: "multipart without a boundary"})
	o.send(oasReq{op: create, auth: bearer, header: map[string]string{"Content-Type": "image/jpeg"}, body: string(jpeg),
		status: 400, valid: true, code: "validation_error", note: "raw bytes without a name"})
	o.send(oasReq{op: create, auth: bearer, query: "?filename=page.html", header: map[string]string{"Content-Type": "text/html"},
		body: "<!DOCTYPE html><html><script>x()</script></html>", status: 422, valid: true})
	o.send(oasReq{op: create, auth: bearer, query: "?filename=x.jpg&wait=x", header: map[string]string{"Content-Type": "image/jpeg"},
		body: string(jpeg), status: 400, code: "validation_error"})
	o.send(oasReq{op: create, auth: readerBearer, query: "?filename=x.jpg", header: map[string]string{"Content-Type": "image/jpeg"},
		body: string(jpeg), status: 403, valid: true, note: "a read-only key"})

	// Get, long poll and delete.
	const get, del = "GET /v1/media/{media_id}", "DELETE /v1/media/{media_id}"
	o.send(oasReq{op: get, auth: bearer, path: up.MediaID, query: "?wait=30", status: 200, valid: true})
	o.send(oasReq{op: get, auth: bearer, path: direct.MediaID, status: 200, valid: true})
	o.send(oasReq{op: get, auth: bearer, path: unknownID, status: 404, valid: true})
	o.send(oasReq{op: get, auth: bearer, path: "not-a-uuid", status: 404, valid: true})
	o.send(oasReq{op: get, auth: readerBearer, path: direct.MediaID, status: 404, valid: true, note: "another key's item"})
	o.send(oasReq{op: get, path: direct.MediaID, status: 401, note: "no key"})
	for _, q := range []string{"?wait=x", "?wait=-1", "?wait=61"} {
		o.send(oasReq{op: get, auth: bearer, path: direct.MediaID, query: q, status: 400, code: "validation_error"})
	}
	o.send(oasReq{op: del, auth: readerBearer, path: raw.MediaID, status: 403, valid: true, note: "a read-only key"})
	o.send(oasReq{op: del, auth: bearer, path: raw.MediaID, status: 200, valid: true})
	o.send(oasReq{op: del, auth: bearer, path: raw.MediaID, status: 404, valid: true, note: "again"})

	// What the stream and the webhook said of the multipart upload.
	stream.check(direct.MediaID)
	stream.close()
	hooks.check(o, direct.MediaID, hook.Secret)

	o.send(oasReq{op: "GET /v1/webhooks", auth: bearer, status: 200, valid: true, note: "after a delivery"})
	const delHook = "DELETE /v1/webhooks/{id}"
	o.send(oasReq{op: delHook, auth: readerBearer, path: hook.ID, status: 403, valid: true, note: "a read-only key"})
	o.send(oasReq{op: delHook, auth: bearer, path: hook.ID, status: 200, valid: true})
	o.send(oasReq{op: delHook, auth: bearer, path: hook.ID, status: 404, valid: true, note: "again"})
	o.send(oasReq{op: delHook, auth: bearer, path: "not-a-uuid", status: 404, valid: true})

	// Rate limits: the second request of a key with a budget of one a minute.
	o.send(oasReq{op: list, auth: "Bearer " + limited, status: 200, valid: true})
	o.send(oasReq{op: list, auth: "Bearer " + limited, status: 429, valid: true, code: "rate_limited"})

	// Answers outside any operation: an unknown method, an unknown route.
	o.send(oasReq{method: "PUT", path: "/v1/media", auth: bearer, status: 405, code: "method_not_allowed", allow: "GET, HEAD, POST"})
	o.send(oasReq{method: "PATCH", path: "/v1/webhooks/" + hook.ID, auth: bearer, status: 405, code: "method_not_allowed", allow: "DELETE"})
	o.send(oasReq{method: "POST", path: "/v1/openapi.json", status: 405, code: "method_not_allowed", allow: "GET, HEAD"})
	o.send(oasReq{method: "GET", path: "/v1/no-such-route", auth: bearer, status: 404, code: "not_found"})

	// Revoking.
	const revoke = "DELETE /v1/api-keys/{id}"
	for _, id := range []int64{limitedID, readerID, keyID} {
		o.send(oasReq{op: revoke, auth: admin, path: strconv.FormatInt(id, 10), status: 200, valid: true})
	}
	o.send(oasReq{op: revoke, auth: admin, path: strconv.FormatInt(keyID, 10), status: 404, valid: true, note: "again"})
	o.send(oasReq{op: revoke, auth: admin, path: "abc", status: 404, note: "not an id"})
	o.send(oasReq{op: revoke, path: strconv.FormatInt(keyID, 10), status: 401, note: "no credentials"})
	o.send(oasReq{op: list, auth: bearer, status: 401, valid: true, note: "a revoked key"})

	o.covered()
}

// oasCheck validates live requests and answers against the served document.
type oasCheck struct {
	t     *testing.T
	base  string
	v     validator.Validator
	model *v3.Document
	sv    schema_validation.SchemaValidator
	ops   []string // the document's operations, "METHOD /path"
	// seen counts each operation's answers: [0] successes, [1] errors.
	seen     map[string]*[2]int
	problems []string
}

func newOASCheck(t *testing.T, base string) *oasCheck {
	t.Helper()
	resp, err := http.Get(base + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/openapi.json: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, v1.OpenAPI()) {
		t.Fatal("GET /v1/openapi.json serves another document than the one the binary embeds")
	}
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		t.Fatalf("parse /v1/openapi.json: %v", err)
	}
	if doc.GetVersion() != "3.1.0" {
		t.Fatalf("/v1/openapi.json is OpenAPI %q, want 3.1.0", doc.GetVersion())
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build /v1/openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator for /v1/openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("/v1/openapi.json is not a valid OpenAPI 3.1 document:%s", oasErrors(verrs))
	}
	o := &oasCheck{t: t, base: base, v: v, model: &m.Model, sv: schema_validation.NewSchemaValidator(), seen: map[string]*[2]int{}}
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			op := strings.ToUpper(method) + " " + path
			o.ops = append(o.ops, op)
			o.seen[op] = &[2]int{}
		}
	}
	routes := v1.Routes()
	for _, r := range routes {
		if o.seen[r] == nil {
			t.Errorf("route %s is not in /v1/openapi.json", r)
		}
	}
	for _, op := range o.ops {
		if !slices.Contains(routes, op) {
			t.Errorf("/v1/openapi.json has %s, which is no route", op)
		}
	}
	// The document itself, as an answer of its own operation.
	o.send(oasReq{op: "GET /v1/openapi.json", status: 200, valid: true})
	return o
}

// oasReq is one request of the check and what must come of it.
type oasReq struct {
	// op is the document's operation ("GET /v1/media/{media_id}"); the
	// request goes to its path with the template filled with path. Without
	// op, method and path are the request's own: an answer outside the
	// document (405, an unknown route), checked against ErrorEnvelope.
	op, method, path, query string
	auth                    string // Authorization
	header                  map[string]string
	body                    string
	status                  int    // the status the API must answer
	code                    string // error.code, when it matters
	valid                   bool   // whether the document must accept the request
	allow                   string // the Allow header of a 405
	note                    string // what the case is, for messages
}

func (r oasReq) name() string {
	s := r.method + " " + r.path + r.query
	switch {
	case r.note != "":
		s += " (" + r.note + ")"
	case r.body != "":
		s += " " + r.body[:min(len(r.body), 100)]
	}
	return s
}

// oasAnswer is an answer the check received.
type oasAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a oasAnswer) data(t *testing.T, v any) {
	t.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil || json.Unmarshal(env.Data, v) != nil {
		t.Fatalf("decode the data of %s", a.body)
	}
}

func (o *oasCheck) problem(format string, args ...any) {
	o.problems = append(o.problems, fmt.Sprintf(format, args...))
}

// send makes the request, checks the status, and validates the request
// and the answer against the document.
func (o *oasCheck) send(r oasReq) oasAnswer {
	o.t.Helper()
	if r.op != "" {
		method, tmpl, _ := strings.Cut(r.op, " ")
		if o.seen[r.op] == nil {
			o.t.Fatalf("the check calls %s, which /v1/openapi.json does not have", r.op)
		}
		r.method = method
		if i := strings.Index(tmpl, "{"); i >= 0 {
			j := strings.Index(tmpl, "}")
			tmpl = tmpl[:i] + r.path + tmpl[j+1:]
		}
		r.path = tmpl
	}
	newReq := func() *http.Request {
		req, err := http.NewRequest(r.method, o.base+r.path+r.query, strings.NewReader(r.body))
		if err != nil {
			o.t.Fatal(err)
		}
		if r.body == "" {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		if r.auth != "" {
			req.Header.Set("Authorization", r.auth)
		}
		for k, v := range r.header {
			req.Header.Set(k, v)
		}
		return req
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		o.t.Fatalf("%s: %v", r.name(), err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		o.t.Fatalf("%s: %v", r.name(), err)
	}
	a := oasAnswer{status: resp.StatusCode, header: resp.Header, body: body}
	var env struct {
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &env)
	code := ""
	if env.Error != nil {
		code = env.Error.Code
	}
	if a.status != r.status || (r.code != "" && code != r.code) {
		o.t.Fatalf("%s: answered %d %q, want %d %q: %.500s", r.name(), a.status, code, r.status, r.code, body)
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if _, err := strconv.ParseInt(a.header.Get(h), 10, 64); err != nil {
			o.problem("%s → %d: header %s is %q, want an integer", r.name(), a.status, h, a.header.Get(h))
		}
	}

	if r.op == "" {
		if a.header.Get("Allow") != r.allow {
			o.problem("%s → %d: Allow %q, want %q", r.name(), a.status, a.header.Get("Allow"), r.allow)
		}
		o.matches("ErrorEnvelope", body, r.name())
		return a
	}
	if a.status/100 == 2 {
		o.seen[r.op][0]++
	} else {
		o.seen[r.op][1]++
	}
	ok, verrs := o.v.ValidateHttpRequestSync(newReq())
	switch {
	case r.valid && !ok:
		o.problem("%s → %d: the document refuses this request:%s", r.name(), a.status, oasErrors(verrs))
	case !r.valid && ok:
		o.problem("%s → %d: the document accepts this request, the API does not", r.name(), a.status)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if ok, verrs := o.v.ValidateHttpResponse(newReq(), resp); !ok {
		o.problem("%s → %d: the answer does not match the document:%s\n    body: %.1000s", r.name(), a.status, oasErrors(verrs), body)
	}
	return a
}

// matches validates JSON against a component schema.
func (o *oasCheck) matches(schema string, body []byte, what string) {
	o.t.Helper()
	proxy := o.model.Components.Schemas.GetOrZero(schema)
	if proxy == nil {
		o.t.Fatalf("/v1/openapi.json has no components/schemas/%s", schema)
	}
	if ok, verrs := o.sv.ValidateSchemaBytes(proxy.Schema(), body); !ok {
		o.problem("%s does not match components/schemas/%s:%s\n    body: %.1000s", what, schema, oasErrors(verrs), body)
	}
}

// covered checks that every operation had a success and an error (but the
// document's own, whose only error is being rate limited).
func (o *oasCheck) covered() {
	o.t.Helper()
	for _, op := range o.ops {
		n := o.seen[op]
		if n[0] == 0 {
			o.problem("%s: the check made no request that succeeded", op)
		}
		if n[1] == 0 && op != "GET /v1/openapi.json" {
			o.problem("%s: the check made no request that failed", op)
		}
	}
}

func (o *oasCheck) report() {
	if len(o.problems) > 0 {
		o.t.Errorf("the live API and /v1/openapi.json disagree, %d times:\n  %s", len(o.problems), strings.Join(o.problems, "\n  "))
	}
}

// oasErrors formats the validator's findings, one a line.
func oasErrors(errs []*errors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n    - %s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n        %s", s.Reason)
			if s.FieldPath != "" {
				fmt.Fprintf(&b, " at %s", s.FieldPath)
			}
			if s.KeywordLocation != "" {
				fmt.Fprintf(&b, " (schema %s)", s.KeywordLocation)
			}
		}
	}
	return b.String()
}

// oasStream is the event stream, open while the check uploads.
type oasStream struct {
	o      *oasCheck
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	data   []string // the data lines, as sent
}

// stream opens GET /v1/media/events and validates its status and headers
// (the body, Server-Sent Events, is not JSON: its events' data are checked
// one by one in check).
func (o *oasCheck) stream(auth string) *oasStream {
	o.t.Helper()
	const op = "GET /v1/media/events"
	ctx, cancel := context.WithCancel(context.Background())
	newReq := func() *http.Request {
		req, err := http.NewRequestWithContext(ctx, "GET", o.base+"/v1/media/events", nil)
		if err != nil {
			o.t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		return req
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		cancel()
		o.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		resp.Body.Close()
		o.t.Fatalf("%s: %d %q", op, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	o.seen[op][0]++
	if ok, verrs := o.v.ValidateHttpRequestSync(newReq()); !ok {
		o.problem("%s: the document refuses this request:%s", op, oasErrors(verrs))
	}
	checked := *resp
	checked.Body = http.NoBody
	if ok, verrs := o.v.ValidateHttpResponse(newReq(), &checked); !ok {
		o.problem("%s → 200: the answer does not match the document:%s", op, oasErrors(verrs))
	}
	s := &oasStream{o: o, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				s.mu.Lock()
				s.data = append(s.data, d)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// check waits for the stream's event of the item and validates its data.
func (s *oasStream) check(mediaID string) {
	s.o.t.Helper()
	var found string
	waitFor(s.o.t, 60*time.Second, "the event stream's event of "+mediaID, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, d := range s.data {
			if strings.Contains(d, mediaID) {
				found = d
				return true
			}
		}
		return false
	})
	s.o.matches("MediaEvent", []byte(found), "the event stream's event data")
}

func (s *oasStream) close() {
	s.cancel()
	<-s.done
}

// oasHooks receives webhook deliveries and acknowledges them.
type oasHooks struct {
	url string
	mu  sync.Mutex
	got []oasDelivery
}

type oasDelivery struct {
	header http.Header
	body   []byte
}

func newOASHooks(t *testing.T) *oasHooks {
	h := &oasHooks{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, oasDelivery{header: r.Header.Clone(), body: body})
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/openapi-hook"
	return h
}

// check waits for the delivery of the item's event and validates its body
// against components/schemas/WebhookEvent and its headers against the
// document's webhooks section and the signature scheme it describes.
func (h *oasHooks) check(o *oasCheck, mediaID, secret string) {
	o.t.Helper()
	var d oasDelivery
	waitFor(o.t, 60*time.Second, "a webhook delivery of "+mediaID, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, g := range h.got {
			if bytes.Contains(g.body, []byte(mediaID)) {
				d = g
				return true
			}
		}
		return false
	})
	o.matches("WebhookEvent", d.body, "a webhook delivery's body")
	var body webhook.Body
	_ = json.Unmarshal(d.body, &body)
	if wh := o.model.Webhooks.GetOrZero("mediaStatus"); wh == nil || wh.Post == nil {
		o.problem("/v1/openapi.json has no webhooks.mediaStatus.post")
	} else {
		for _, p := range wh.Post.Parameters {
			if p.In == "header" && p.Required != nil && *p.Required && d.header.Get(p.Name) == "" {
				o.problem("a webhook delivery lacks the header %s the document requires", p.Name)
			}
		}
	}
	id, tsText := d.header.Get(webhook.HeaderID), d.header.Get(webhook.HeaderTimestamp)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		o.problem("a webhook delivery's %s is %q, not Unix seconds", webhook.HeaderTimestamp, tsText)
	}
	if id != body.ID {
		o.problem("a webhook delivery's %s %q is not its body's id %q", webhook.HeaderID, id, body.ID)
	}
	if d.header.Get("Content-Type") != "application/json" {
		o.problem("a webhook delivery's Content-Type is %q", d.header.Get("Content-Type"))
	}
	sig := d.header.Get(webhook.HeaderSignature)
	if err := webhook.Verify([]byte(secret), id, ts, d.body, sig, time.Now(), 5*time.Minute); err != nil {
		o.problem("a webhook delivery's signature %q does not verify as the document describes: %v", sig, err)
	}
}
