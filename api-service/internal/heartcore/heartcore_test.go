package heartcore

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

func TestCredential(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		header map[string]string
		want   string
	}{
		{map[string]string{"api-key": "pm_a"}, "pm_a"},
		{map[string]string{"API-KEY": " pm_b "}, "pm_b"},
		{map[string]string{"Authorization": basic("pm_c:")}, "pm_c"},
		{map[string]string{"Authorization": basic("pm_d:ignored")}, "pm_d"},
		{map[string]string{"Authorization": "Bearer pm_e"}, "pm_e"},
		{map[string]string{"Authorization": "basic !!!"}, ""},
		{map[string]string{"Authorization": "Digest x"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/heartcore/media", nil)
		for k, v := range tt.header {
			r.Header.Set(k, v)
		}
		if got := credential(r); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		header, accept, query string
		ok                    bool
	}{
		{"", "", "", true}, {"2", "", "", true}, {"2.0", "", "", true}, {"2.2", "", "", true}, {"2.3", "", "", true},
		{"", "application/json+hal;v=2", "", true}, {"", "application/json+hal; v=2.1", "", true}, {"", "", "2", true},
		{"3", "", "", false}, {"1.0", "", "", false}, {"", "application/json+hal;v=9", "", false}, {"", "", "latest", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/heartcore/media?api-version="+tt.query, nil)
		if tt.query == "" {
			r = httptest.NewRequest("GET", "/heartcore/media", nil)
		}
		r.Header.Set("Api-Version", tt.header)
		r.Header.Set("Accept", tt.accept)
		err := checkVersion(r)
		if (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt, err)
		}
		if e, ok := err.(*Error); err != nil && (!ok || e.Code != "UnsupportedApiVersion" || e.Status != 400) {
			t.Errorf("%+v: %v", tt, err)
		}
	}
}

func TestParseEdit(t *testing.T) {
	types := media.DefaultMediaTypes()
	types[1].Properties = []media.PropertyType{{Alias: "altText", Label: "Alt", Editor: media.EditorTextBox, Required: true}}
	h := &Handler{types: umbraco.NewTypes(types)}
	parse := func(js, alias string) (*edit, *Error) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(js), &fields); err != nil {
			t.Fatal(err)
		}
		e, err := h.parseEdit(fields, alias)
		if err != nil {
			return nil, err.(*Error)
		}
		return e, nil
	}
	e, err := parse(`{"mediaTypeAlias":"Image","name":" Han ","parentId":"7D4F8A7E-0000-4000-8000-000000000000","sortOrder":2,
		"umbracoFile":{"src":"han.png","focalPoint":{"left":0.2,"top":0.8},"crops":[{"alias":"thumb","coordinates":{"x1":0.1,"y1":0,"x2":0.2,"y2":0.3}}]},
		"umbracoWidth":"10","_id":"x","altText":"Han"}`, "")
	if err != nil {
		t.Fatal(err)
	}
	if *e.name != "Han" || *e.parent != "7d4f8a7e-0000-4000-8000-000000000000" || *e.sortOrder != 2 || e.fileName != "han.png" ||
		*e.focal != (media.Point{Left: 0.2, Top: 0.8}) || e.coords["thumb"] != (media.Coords{X1: 0.1, X2: 0.2, Y2: 0.3}) || string(e.props["altText"]) != `"Han"` {
		t.Fatalf("edit %+v", e)
	}
	if e.checkRequired() != nil {
		t.Fatal("altText is given")
	}
	if e, _ := parse(`{"mediaTypeAlias":"Image","name":"x"}`, ""); e.checkRequired() == nil {
		t.Fatal("altText is required")
	}
	if e, err := parse(`{"parentId":null,"umbracoFile":"doc.pdf"}`, "File"); err != nil || *e.parent != "" || e.fileName != "doc.pdf" || e.name != nil {
		t.Fatalf("update to the root: %+v %v", e, err)
	}
	for js, field := range map[string]string{
		`{"name":"x"}`:                                                                           "mediaTypeAlias",
		`{"mediaTypeAlias":"Nope","name":"x"}`:                                                   "mediaTypeAlias",
		`{"mediaTypeAlias":"Folder","name":"  "}`:                                                "name",
		`{"mediaTypeAlias":"Folder","name":"x","parentId":"nope"}`:                               "parentId",
		`{"mediaTypeAlias":"Folder","name":"x","sortOrder":-1}`:                                  "sortOrder",
		`{"mediaTypeAlias":"Folder","name":"x","colour":"red"}`:                                  "colour",
		`{"mediaTypeAlias":"Image","name":"x","umbracoFile":{"focalPoint":{"left":-1,"top":0}}}`: "umbracoFile",
		`{"mediaTypeAlias":"Image","name":"x","umbracoFile":{"crops":[{"alias":"nope"}]}}`:       "umbracoFile",
		`{"mediaTypeAlias":"Image","name":"x","umbracoFile":{"crops":[{"alias":"thumb","coordinates":{"x1":0.6,"y1":0,"x2":0.6,"y2":0}}]}}`: "umbracoFile",
		`{"mediaTypeAlias":"Image","name":"x","umbracoFile":7}`:                                                                             "umbracoFile",
	} {
		_, err := parse(js, "")
		if err == nil || err.Status != 422 || len(err.Details[field]) == 0 {
			t.Errorf("%s: %+v, want 422 on %s", js, err, field)
		}
	}
	if _, err := parse(`{"mediaTypeAlias":"File"}`, "Image"); err == nil || len(err.Details["mediaTypeAlias"]) == 0 {
		t.Errorf("changing the type: %+v", err)
	}
}
