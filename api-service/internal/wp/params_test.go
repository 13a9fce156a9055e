package wp

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestRequestValues holds requestValues to WP_REST_Request's sources and
// their precedence (get_parameter_order): JSON body, then form body, then
// query string.
func TestRequestValues(t *testing.T) {
	t.Parallel()
	const form, js = "application/x-www-form-urlencoded", "application/json"
	tests := []struct {
		name, method, query, ct, body string
		want                          map[string]any
	}{
		{"query alone, later value wins", "GET", "a=1&b=x&a=2", "", "", map[string]any{"a": "2", "b": "x"}},
		{"form over query", "POST", "action=nope&context=edit", form, "action=create-image-subsizes",
			map[string]any{"action": "create-image-subsizes", "context": "edit"}},
		{"JSON over query (api-fetch's post-process)", "POST", "_locale=user&action=nope", js, `{"action":"create-image-subsizes"}`,
			map[string]any{"action": "create-image-subsizes", "_locale": "user"}},
		{"JSON null hides nothing below it", "POST", "title=q&alt_text=a", js, `{"title":null,"caption":null}`,
			map[string]any{"title": "q", "alt_text": "a", "caption": nil}},
		{"charset and case in the Content-Type", "POST", "", "Application/JSON; charset=UTF-8", `{"a":1}`, map[string]any{"a": 1.0}},
		{"+json types are JSON", "PATCH", "", "application/merge-patch+json", `{"a":"b"}`, map[string]any{"a": "b"}},
		{"a near miss is not", "POST", "", "application/jsonx", `{"a":"b"}`, map[string]any{}},
		{"JSON that is no object carries nothing", "POST", "a=1", js, `["x"]`, map[string]any{"a": "1"}},
		{"an empty JSON body carries nothing", "POST", "a=1", js, "", map[string]any{"a": "1"}},
		{"GET reads no form body", "GET", "a=1", form, "a=2", map[string]any{"a": "1"}},
		{"GET reads a JSON body, as WordPress does", "GET", "a=1", js, `{"a":"2"}`, map[string]any{"a": "2"}},
		{"DELETE reads a form body", "DELETE", "", form, "force=true", map[string]any{"force": "true"}},
		{"PUT body without Content-Type is a form", "PUT", "", "", "force=true&a[]=1", map[string]any{"force": "true", "a": []any{"1"}}},
		{"POST body without Content-Type is not ($_POST stays empty)", "POST", "", "", "force=true", map[string]any{}},
		{"a text body is no form", "POST", "", "text/plain", "a=1", map[string]any{}},
		{"PHP's arrays in the query", "GET", "include%5B0%5D=5&include%5B1%5D=6&orderby=include", "", "",
			map[string]any{"include": []any{"5", "6"}, "orderby": "include"}},
		{"PHP's objects in a form", "POST", "", form, "src=x&modifiers[0][type]=rotate&modifiers[0][args][angle]=90&flip[horizontal]=1",
			map[string]any{"src": "x", "flip": map[string]any{"horizontal": "1"},
				"modifiers": []any{map[string]any{"type": "rotate", "args": map[string]any{"angle": "90"}}}}},
		{"form's array replaces the query's whole value", "POST", "a[]=1&a[]=2", form, "a[]=3", map[string]any{"a": []any{"3"}}},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/wp-json/wp/v2/media/1?"+tt.query, strings.NewReader(tt.body))
		if tt.ct != "" {
			r.Header.Set("Content-Type", tt.ct)
		}
		got, err := requestValues(r)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.name, got, tt.want)
		}
	}
}

func TestRequestValuesMultipart(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("modifiers[0][type]", "crop")
	fw, _ := mw.CreateFormFile("file", "x.jpg")
	_, _ = fw.Write([]byte("\xff\xd8not a field"))
	for k, v := range map[string]string{"modifiers[0][args][left]": "0", "src": "s"} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	r := httptest.NewRequest("POST", "/wp-json/wp/v2/media/1/edit?src=query", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	got, err := requestValues(r)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"src": "s", "modifiers": []any{map[string]any{"type": "crop", "args": map[string]any{"left": "0"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("multipart fields:\n got %#v\nwant %#v", got, want)
	}
}

func TestRequestValuesErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ct, body string
		status   int
		code     string
	}{
		{"application/json", `{"a":`, 400, "rest_invalid_json"},
		{"application/json", `{"a":"` + strings.Repeat("x", maxJSONBody) + `"}`, 413, "rest_invalid_json"},
		{"application/x-www-form-urlencoded", "a=" + strings.Repeat("x", maxJSONBody), 413, "rest_invalid_param"},
	} {
		r := httptest.NewRequest("POST", "/wp-json/wp/v2/media/1", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", tt.ct)
		_, err := requestValues(r)
		var re *restError
		if !errors.As(err, &re) || re.status != tt.status || re.code != tt.code {
			t.Errorf("%s %.20q: %v, want %d %s", tt.ct, tt.body, err, tt.status, tt.code)
		}
	}
}

// TestFormEditsReadAsJSON: a PHP client's form-encoded edit gives the
// operations the same edit sent as JSON gives.
func TestFormEditsReadAsJSON(t *testing.T) {
	t.Parallel()
	pairs := []struct{ form, json string }{
		{"modifiers[0][type]=rotate&modifiers[0][args][angle]=90&modifiers[1][type]=crop&modifiers[1][args][left]=0&modifiers[1][args][top]=0&modifiers[1][args][width]=50&modifiers[1][args][height]=100",
			`{"modifiers":[{"type":"rotate","args":{"angle":90}},{"type":"crop","args":{"left":0,"top":0,"width":50,"height":100}}]}`},
		{"modifiers[0][type]=flip&modifiers[0][args][flip][horizontal]=1&modifiers[0][args][flip][vertical]=0",
			`{"modifiers":[{"type":"flip","args":{"flip":{"horizontal":true,"vertical":false}}}]}`},
		{"flip[vertical]=true&rotation=180&x=0&y=0&width=50&height=50",
			`{"flip":{"vertical":true},"rotation":180,"x":0,"y":0,"width":50,"height":50}`},
	}
	ops := func(ct, body string) []media.EditOp {
		r := httptest.NewRequest("POST", "/wp-json/wp/v2/media/1/edit", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		vals, err := requestValues(r)
		if err != nil {
			t.Fatal(err)
		}
		out, err := editOps(vals)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return out
	}
	for _, p := range pairs {
		f, j := ops("application/x-www-form-urlencoded", p.form), ops("application/json", p.json)
		if len(f) == 0 || !reflect.DeepEqual(f, j) {
			t.Errorf("form %s\n→ %+v\nJSON → %+v", p.form, f, j)
		}
	}
}

// TestListParams: every way an array parameter is sent reads the same,
// in PHP's order.
func TestListParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  string // the ids, or the failure recorded
	}{
		{"include=5,6", "[5 6]"},
		{"include=5%206,,7", "[5 6 7]"},
		{"include[]=5&include[]=6", "[5 6]"},
		{"include%5B0%5D=5&include%5B1%5D=6", "[5 6]"},
		// PHP keeps keys in the order sent; WordPress's array_values too.
		{"include[1]=6&include[0]=5", "[6 5]"},
		{"include=[5,6]", "[5 6]"},
		{"include[]=5,6", "include[0] is not of type integer."},
		{"include[k]=5", "include is not of type array."},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/wp-json/wp/v2/media?"+tt.query, nil)
		vals, err := requestValues(r)
		if err != nil {
			t.Fatal(err)
		}
		p := newParams(vals)
		got := fmt.Sprint(p.intList("include"))
		if reason, failed := p.reasons["include"]; failed {
			got = reason
		}
		if got != tt.want {
			t.Errorf("%s → %s, want %s", tt.query, got, tt.want)
		}
	}
	r := httptest.NewRequest("GET", "/wp-json/wp/v2/media?per_page[]=5&context[]=edit", nil)
	vals, _ := requestValues(r)
	p := newParams(vals)
	p.integer("per_page", 10, 1, 100)
	p.enum("context", "view", "view", "embed", "edit")
	if p.reasons["per_page"] != "per_page is not of type integer." || p.reasons["context"] != "context is not of type string." {
		t.Errorf("scalars sent as arrays: %v", p.reasons)
	}
}
