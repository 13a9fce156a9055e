package delivery

import (
	"slices"
	"testing"
)

func TestParseParams(t *testing.T) {
	t.Parallel()
	ps := parseParams("FETCH=children:/a+b&filter=name:100%&filter=name%3Ax;y&&=z&sort&Id=%zz")
	if v, _ := ps.first("fetch"); v != "children:/a b" {
		t.Errorf("fetch = %q, want the name matched ignoring case and '+' a space", v)
	}
	if got := ps.all("filter"); !slices.Equal(got, []string{"name:100%", "name:x;y"}) {
		t.Errorf("filter = %q, want a malformed escape kept and ';' not a separator", got)
	}
	if v, ok := ps.first("sort"); !ok || v != "" {
		t.Errorf("sort = %q, %v; want present and empty", v, ok)
	}
	if v, _ := ps.first("id"); v != "%zz" {
		t.Errorf("id = %q", v)
	}
	if _, ok := ps.first("skip"); ok {
		t.Error("skip is absent")
	}
	if v, ok := parseParams("fields=properties[a]&Fields=properties[b]").joined("fields"); !ok || v != "properties[a],properties[b]" {
		t.Errorf("joined fields = %q, %v", v, ok)
	}
}

// TestParamsList: a collection parameter reads the same repeated, with
// PHP's empty brackets, or with indexes in any order (ordered by index, as
// ASP.NET binds them).
func TestParamsList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  []string
	}{
		{"sort=name:asc&sort=createDate:desc", []string{"name:asc", "createDate:desc"}},
		{"sort[]=name:asc&sort[]=createDate:desc", []string{"name:asc", "createDate:desc"}},
		{"sort%5B0%5D=name:asc&sort%5B1%5D=createDate:desc", []string{"name:asc", "createDate:desc"}},
		{"sort[1]=createDate:desc&sort[0]=name:asc", []string{"name:asc", "createDate:desc"}},
		{"Sort[1]=b&SORT[0]=a&sort[]=c", []string{"a", "b", "c"}},
		{"sort[0]=a&sort[0]=b", []string{"b"}},
		{"sort=a&sort[0]=b&sort=c", []string{"a", "c", "b"}},
		// Not an index, nested, or not this name: not bound.
		{"sort[x]=a&sort[0][k]=b&sorts[0]=c&sort[=d", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseParams(tt.query).list("sort"); !slices.Equal(got, tt.want) {
			t.Errorf("%s → %q, want %q", tt.query, got, tt.want)
		}
	}
	// fields and expand are one string each in Umbraco: brackets in the
	// name bind nothing there.
	if v, ok := parseParams("fields[0]=properties[a]").joined("fields"); ok {
		t.Errorf("fields[0]= bound as fields = %q", v)
	}
}

func TestBindInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		want    int
		message string // "" when it binds
	}{
		{"", 10, ""},
		{"take=5", 5, ""},
		{"take=-3", -3, ""},
		{"take=+7", 7, ""},
		{"take=%205%20", 5, ""},
		{"take=0x1A", 26, ""},
		{"take=%2310", 16, ""},
		{"take=%26HfF", 255, ""},
		{"take=1&take=abc", 1, ""}, // the first value binds
		{"take=abc", 0, "The value 'abc' is not valid."},
		{"take=1.5", 0, "The value '1.5' is not valid."},
		{"take=2147483648", 0, "The value '2147483648' is not valid."},
		{"take=", 0, "The value '' is invalid."},
		{"take=+", 0, "The value ' ' is invalid."},
	}
	for _, tt := range tests {
		got, err := bindInt(parseParams(tt.query), "take", 10)
		switch {
		case tt.message == "" && err != nil:
			t.Errorf("%s: error %q", tt.query, err.message)
		case tt.message != "" && (err == nil || err.message != tt.message || err.name != "take"):
			t.Errorf("%s: error %+v, want %q", tt.query, err, tt.message)
		case tt.message == "" && got != tt.want:
			t.Errorf("%s = %d, want %d", tt.query, got, tt.want)
		}
	}
}

func TestParseGUID(t *testing.T) {
	t.Parallel()
	const want = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	for _, in := range []string{
		want,
		"3FA85F64-5717-4562-B3FC-2C963F66AFA6",
		"3fa85f6457174562b3fc2c963f66afa6",
		"{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
		"(3fa85f64-5717-4562-b3fc-2c963f66afa6)",
		" 3fa85f64-5717-4562-b3fc-2c963f66afa6 ",
	} {
		if got, ok := parseGUID(in); !ok || got != want {
			t.Errorf("parseGUID(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{
		"", "news", "3fa85f64-5717-4562-b3fc-2c963f66afa", "3fa85f64-5717-4562-b3fc-2c963f66afag",
		"3fa85f64_5717_4562_b3fc_2c963f66afa6", "{3fa85f64-5717-4562-b3fc-2c963f66afa6)", "3fa85f64-5717-4562-b3fc-2c963f66afa6/x",
	} {
		if got, ok := parseGUID(in); ok {
			t.Errorf("parseGUID(%q) = %q, want not a GUID", in, got)
		}
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		keepSlash bool
		want      string
	}{
		{"Root%20Level", false, "Root Level"},
		{"a%2Fb%2fc", true, "a%2Fb%2fc"},
		{"a%2Fb", false, "a/b"},
		{"100%", false, "100%"},
		{"%zz%4", false, "%zz%4"},
		{"%25%32F", true, "%2F"},
		{"caf%C3%A9", false, "café"},
	}
	for _, tt := range tests {
		if got := unescape(tt.in, tt.keepSlash); got != tt.want {
			t.Errorf("unescape(%q, %v) = %q, want %q", tt.in, tt.keepSlash, got, tt.want)
		}
	}
}

func TestParseItemRef(t *testing.T) {
	t.Parallel()
	names := []string{"Root Level Folder", "Child Folder", "Media Item Name"}
	lower := []string{"root level folder", "child folder", "media item name"}
	tests := []struct {
		escaped string
		key     string
		names   []string
	}{
		{"Root%20Level%20Folder/Child%20Folder/Media%20Item%20Name", "", names},
		{"/Root%20Level%20Folder/Child%20Folder/Media%20Item%20Name/", "", names},
		{"root%20level%20folder%2Fchild%20folder%2Fmedia%20item%20name", "", lower},
		{"root%20level%20folder%2fchild%20folder%2fmedia%20item%20name", "", lower},
		// Kestrel decodes %25 first, and Umbraco's second decoding then
		// sees %2F.
		{"a%252Fb", "", []string{"a", "b"}},
		// The second decoding is WebUtility.UrlDecode: '+' is a space…
		{"a+b%2Fc", "", []string{"a b", "c"}},
		// …but without %2F nothing is decoded twice.
		{"a+b/c%2520d", "", []string{"a+b", "c%20d"}},
		{"news", "", []string{"news"}},
		{"", "", nil},
		{"eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", nil},
		{"EEEEEEEE-EEEE-EEEE-EEEE-EEEEEEEEEEEE/", "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", nil},
		{"%7Beeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee%7D", "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", nil},
		{"folder/eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", "", []string{"folder", "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"}},
	}
	for _, tt := range tests {
		got := parseItemRef(tt.escaped)
		if got.key != tt.key || !slices.Equal(got.names, tt.names) {
			t.Errorf("parseItemRef(%q) = %+v, want key %q names %q", tt.escaped, got, tt.key, tt.names)
		}
	}
}

func TestItemPath(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"/umbraco/delivery/api/v2/media/item/a%2Fb/c": "a%2Fb/c",
		"/umbraco/delivery/api/v1/media/item/":        "",
		"/umbraco/deliver%79/api/v2/media/item/x":     "x",
		"/umbraco/delivery/api/v2/media":              "",
	}
	for in, want := range tests {
		if got := itemPath(in); got != want {
			t.Errorf("itemPath(%q) = %q, want %q", in, got, want)
		}
	}
}
