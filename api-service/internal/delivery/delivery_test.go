package delivery

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serveMux returns the API on a mux. Its core is nil: these tests cover
// only what is answered before the store is asked.
func serveMux(cfg Config) *http.ServeMux {
	mux := http.NewServeMux()
	New(nil, testTypes(), slog.New(slog.DiscardHandler), cfg).Register(mux)
	return mux
}

type answer struct {
	status int
	ctype  string
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, mux *http.ServeMux, method, target string, header map[string]string) answer {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	raw, _ := io.ReadAll(w.Body)
	a := answer{status: w.Code, ctype: w.Header().Get("Content-Type"), header: w.Header(), raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

const v2 = "/umbraco/delivery/api/v2/media"

func TestAccess(t *testing.T) {
	t.Parallel()
	private := Config{Enabled: true, APIKey: "s3cret"}
	tests := []struct {
		name string
		cfg  Config
		key  string
	}{
		{"disabled", Config{PublicAccess: true, APIKey: "s3cret"}, "s3cret"},
		{"private without key", private, ""},
		{"private with a wrong key", private, "S3CRET"},
		{"private with a longer key", private, "s3cret2"},
		{"private, no key configured", Config{Enabled: true}, ""},
	}
	for _, tt := range tests {
		for _, target := range []string{
			v2 + "/item/3fa85f64-5717-4562-b3fc-2c963f66afa6",
			v2 + "/item/Root%20Level%20Folder/x",
			v2 + "/items?id=3fa85f64-5717-4562-b3fc-2c963f66afa6",
			v2 + "?fetch=children:/",
			v2 + "?fetch=ancestors:/",
		} {
			a := do(t, serveMux(tt.cfg), http.MethodGet, target, map[string]string{"Api-Key": tt.key})
			if a.status != 401 || a.body["title"] != "Unauthorized" || a.body["status"] != 401.0 ||
				a.body["type"] != "https://tools.ietf.org/html/rfc9110#section-15.5.2" ||
				!strings.HasPrefix(a.ctype, "application/problem+json") {
				t.Errorf("%s: %s = %d %s %s", tt.name, target, a.status, a.ctype, a.raw)
			}
		}
	}
	// With the right key, the request gets past the check: no ids answer
	// [] without asking the store.
	a := do(t, serveMux(private), http.MethodGet, v2+"/items", map[string]string{"Api-Key": "s3cret"})
	if a.status != 200 || a.raw != "[]" || !strings.HasPrefix(a.ctype, "application/json") {
		t.Errorf("right key: %d %s %s", a.status, a.ctype, a.raw)
	}
}

func TestModelBindingBeforeAccess(t *testing.T) {
	t.Parallel()
	mux := serveMux(Config{Enabled: false})
	tests := map[string]map[string][]any{
		v2 + "/items?id=xyz&id=3fa85f64-5717-4562-b3fc-2c963f66afa6&id=": {"id": {"The value 'xyz' is not valid.", "The value '' is invalid."}},
		v2 + "?fetch=children:/&skip=abc":                                {"skip": {"The value 'abc' is not valid."}},
		v2 + "?skip=1.5&take=x":                                          {"skip": {"The value '1.5' is not valid."}, "take": {"The value 'x' is not valid."}},
		"/umbraco/delivery/api/v1/media/item?id=nope":                    {"id": {"The value 'nope' is not valid."}},
	}
	for target, want := range tests {
		a := do(t, mux, http.MethodGet, target, nil)
		if a.status != 400 || a.body["title"] != "One or more validation errors occurred." ||
			a.body["type"] != "https://tools.ietf.org/html/rfc9110#section-15.5.1" {
			t.Errorf("%s = %d %s", target, a.status, a.raw)
			continue
		}
		got, _ := json.Marshal(a.body["errors"])
		if exp, _ := json.Marshal(want); string(got) != string(exp) {
			t.Errorf("%s errors = %s, want %s", target, got, exp)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	mux := serveMux(DefaultConfig())
	tests := map[string]string{
		v2:                                      "Selector option not found",
		v2 + "?fetch=":                          "Selector option not found",
		v2 + "?fetch=ancestors:/":               "Selector option not found",
		v2 + "?fetch=descendants:/":             "Selector option not found",
		v2 + "?fetch=children:/&filter=foo:bar": "Filter option not found",
		v2 + "?fetch=children:/&filter=mediaType":      "Filter option not found",
		v2 + "?fetch=children:/&filter=name:a:b":       "Filter option not found",
		v2 + "?fetch=children:/&sort=bogus:asc":        "Sort option not found",
		v2 + "?fetch=children:/&sort=name":             "Sort option not found",
		v2 + "?fetch=children:/&fields=properties[]":   "Fields option not valid",
		v2 + "?fetch=children:/&expand=properties[a":   "Expand option not valid",
		v2 + "/items?fields=[properties]":              "Fields option not valid",
		v2 + "/item/anything?fields=properties%5B%5D":  "Fields option not valid",
		v2 + "/item/a%2Fb?fields=properties%5B%5D":     "Fields option not valid",
		"/umbraco/delivery/api/v1/media?fetch=parent:": "Selector option not found",
	}
	for target, title := range tests {
		a := do(t, mux, http.MethodGet, target, nil)
		if a.status != 400 || a.body["title"] != title || a.body["type"] != "Error" || a.body["detail"] == nil ||
			a.body["traceId"] != nil || !strings.HasPrefix(a.ctype, "application/problem+json") {
			t.Errorf("%s = %d %s, want %q", target, a.status, a.raw, title)
		}
	}
	want := `{"type":"Error","title":"Selector option not found","status":400,"detail":"The attempted 'fetch' option does not exist"}`
	if a := do(t, mux, http.MethodGet, v2+"?fetch=x", nil); a.raw != want {
		t.Errorf("body = %s, want %s", a.raw, want)
	}
	// v1 has no fields: the v2 syntax error is no error there.
	if a := do(t, mux, http.MethodGet, "/umbraco/delivery/api/v1/media/item?fields=properties[]", nil); a.status != 200 || a.raw != "[]" {
		t.Errorf("v1 fields = %d %s", a.status, a.raw)
	}
}

func TestEmptyAnswers(t *testing.T) {
	t.Parallel()
	mux := serveMux(DefaultConfig())
	empty := `{"total":0,"items":[]}`
	for target, want := range map[string]string{
		v2 + "/items":                          "[]",
		v2 + "/items/":                         "[]",
		"/umbraco/delivery/api/v1/media/item":  "[]",
		"/umbraco/delivery/api/v1/media/item/": "[]",
		v2 + "?fetch=children:":                empty,
		v2 + "/?fetch=children:":               empty,
		v2 + "?FETCH=Children:%20&take=5":      empty,
		v2 + "?fetch=children:/&filter=mediaType:Image&filter=mediaType:File": empty,
		v2 + "?fetch=children:/&filter=mediaType:":                            empty,
	} {
		a := do(t, mux, http.MethodGet, target, nil)
		if a.status != 200 || a.raw != want || !strings.HasPrefix(a.ctype, "application/json") {
			t.Errorf("%s = %d %s %s, want %s", target, a.status, a.ctype, a.raw, want)
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	mux := serveMux(DefaultConfig())
	for _, target := range []string{v2 + "/item/x", v2 + "/items", v2, "/umbraco/delivery/api/v1/media/item"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			a := do(t, mux, method, target, nil)
			if a.status != 405 || !strings.Contains(a.header.Get("Allow"), "GET") {
				t.Errorf("%s %s = %d, Allow %q", method, target, a.status, a.header.Get("Allow"))
			}
		}
	}
	for _, target := range []string{v2 + "/item", v2 + "/nothing", v2 + "/item/"} {
		a := do(t, mux, http.MethodGet, target, nil)
		if a.status != 404 || a.body["title"] != "Not Found" || a.body["status"] != 404.0 {
			t.Errorf("GET %s = %d %s", target, a.status, a.raw)
		}
	}
	// The server drops a HEAD answer's body; the recorder keeps it.
	if a := do(t, mux, http.MethodHead, v2+"/items", nil); a.status != 200 {
		t.Errorf("HEAD = %d", a.status)
	}
}

func TestOwns(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		v2: true, v2 + "/item/x": true, "/umbraco/delivery/api/v1/media/items": true,
		"/umbraco/delivery/api/v2/mediax": false, "/umbraco/delivery/api/v2/content": false, "/media/x.jpg": false,
	} {
		if got := Owns(httptest.NewRequest(http.MethodGet, path, nil)); got != want {
			t.Errorf("Owns(%s) = %v", path, got)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for cfg, ok := range map[Config]bool{
		DefaultConfig():              true,
		{}:                           true,
		{Enabled: true, APIKey: "k"}: true,
		{Enabled: true}:              false,
		{Enabled: true, PublicAccess: true, APIKey: " k"}: false,
	} {
		if err := cfg.Validate(); (err == nil) != ok {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestPanicAnswersProblem(t *testing.T) {
	t.Parallel()
	// The nil core panics when asked; the answer is still a ProblemDetails.
	a := do(t, serveMux(DefaultConfig()), http.MethodGet, v2+"/item/3fa85f64-5717-4562-b3fc-2c963f66afa6", nil)
	if a.status != 500 || a.body["title"] != "An error occurred while processing your request." ||
		!strings.HasPrefix(a.ctype, "application/problem+json") || strings.Contains(a.raw, "nil") {
		t.Errorf("got %d %s", a.status, a.raw)
	}
}
